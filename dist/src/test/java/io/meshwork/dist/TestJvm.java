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
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    // No JVM warning about Unsafe on standard error (the option exists from JDK 23).
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    return command;
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
