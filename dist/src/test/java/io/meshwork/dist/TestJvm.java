package io.meshwork.dist;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The JVM command line of every process the integration tests start: the test's own JDK and class
 * path, plus a class-data-sharing archive of the project's classes. The suite starts a few hundred
 * service and command JVMs on two cores; with the classes they all load already parsed and verified
 * in a shared archive, each starts with about a third less CPU.
 *
 * <p>Each test JVM makes its archive once, in {@code target/test-jvm/PID}: it jars this module's
 * class folders (an archive needs a class path of jars) and runs {@code meshwork demo} to its end
 * in a JVM that writes the classes it loaded as it exits. The processes only read it. Should it
 * fail to be made, processes start without it, only slower.
 */
final class TestJvm {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static Path archive;
  private static String classPath;
  private static boolean tried;

  private TestJvm() {}

  /** {@code java} with the JVM's default heap, the archive, and the test's class path. */
  static List<String> java() {
    return java(null);
  }

  /**
   * {@code java} with the given heap (such as "256m"), the archive, and the test's class path; the
   * caller adds the main class and its arguments.
   */
  static List<String> java(String heap) {
    List<String> command = base();
    if (heap != null) {
      command.add("-Xmx" + heap);
    }
    Path shared = archive();
    if (shared != null) {
      command.add("-XX:SharedArchiveFile=" + shared);
      // An archive the JVM cannot use is no error; it must not print about it where a test
      // reads the process's output.
      command.add("-Xlog:cds=off,cds+dynamic=off");
    }
    command.add("-cp");
    command.add(classPath);
    return command;
  }

  private static List<String> base() {
    List<String> command = new ArrayList<>();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    command.add(java);
    command.addAll(launcherOptions(java));
    // The client JIT only: a test's service JVMs live for seconds, several share two cores, and
    // the optimizing compiler's work would not pay back in that time: it competes for the cores
    // the other services need (compare a dist class's time with this line removed). Deployed
    // services keep the JVM's default, tiered JIT.
    command.add("-XX:TieredStopAtLevel=1");
    return command;
  }

  private static List<String> launcherOptions;

  /**
   * The JVM options bin/meshwork gives {@code java} (bin/lib/jdk.sh's {@code
   * meshwork_jvm_options}), so that every process a test starts runs as the launcher runs it, and a
   * test that finds no JVM warning on a command's standard error checks the launcher's options.
   */
  static synchronized List<String> launcherOptions(String java) {
    if (launcherOptions == null) {
      Path script = Path.of("..", "bin", "lib", "jdk.sh").toAbsolutePath().normalize();
      try {
        Process p =
            new ProcessBuilder(
                    "bash",
                    "-c",
                    ". \"$1\" && meshwork_jvm_options \"$2\"",
                    "bash",
                    script.toString(),
                    java)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("meshwork_jvm_options failed: " + out);
        }
        launcherOptions = out.isEmpty() ? List.of() : List.of(out.split("\n"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return launcherOptions;
  }

  private static synchronized Path archive() {
    if (tried) {
      return archive;
    }
    tried = true;
    try {
      Path dir = TARGET.resolve("test-jvm").resolve(Long.toString(ProcessHandle.current().pid()));
      forgetEarlierRuns(dir.getParent());
      Files.createDirectories(dir);
      classPath = jarred(dir);
      Path file = dir.resolve("classes.jsa");
      make(file);
      archive = Files.exists(file) ? file : null;
    } catch (IOException e) {
      archive = null;
    }
    if (archive == null) {
      classPath = System.getProperty("java.class.path");
    }
    return archive;
  }

  /**
   * The test's class path with each folder (this module's classes and test classes) replaced by a
   * jar of it: an archive can only be made for, and used with, a class path of jars.
   */
  private static String jarred(Path dir) throws IOException {
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (!Files.isDirectory(path)) {
        entries.add(entry);
        continue;
      }
      Path jar = dir.resolve((n++) + "-" + path.getFileName() + ".jar");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
          Stream<Path> files = Files.walk(path)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          out.putNextEntry(
              new JarEntry(path.relativize(f).toString().replace(File.separatorChar, '/')));
          Files.copy(f, out);
          out.closeEntry();
        }
      }
      entries.add(jar.toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  /** Removes the folders of test JVMs that have ended. */
  private static void forgetEarlierRuns(Path runs) throws IOException {
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(runs)) {
      for (Path d : dirs.toList()) {
        String name = d.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit)
            && ProcessHandle.of(Long.parseLong(name)).isEmpty()) {
          try (Stream<Path> files = Files.walk(d)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(f);
            }
          }
        }
      }
    }
  }

  /** Runs the demo in a JVM that writes the classes it loaded to {@code file} as it exits. */
  private static void make(Path file) throws IOException {
    Path work = file.resolveSibling("demo");
    Files.createDirectories(work);
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    List<String> command = base();
    command.add("-Xmx512m");
    command.add("-XX:ArchiveClassesAtExit=" + temp);
    command.add("-cp");
    command.add(classPath);
    command.add(Meshwork.class.getName());
    command.addAll(
        List.of(
            "demo",
            "--data-dir",
            work.resolve("mesh").toString(),
            "--port-base",
            Integer.toString(MeshLayout.onFreePorts(2).base()),
            "--size-mb",
            "1"));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("demo.log").toFile())
            .start();
    try {
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return;
    }
    if (p.exitValue() == 0 && Files.exists(temp)) {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
