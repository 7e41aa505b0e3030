package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/meshwork's JVM options (bin/lib/jdk.sh {@code meshwork_jvm_options}) are what each JDK needs
 * and takes: {@code --sun-misc-unsafe-memory-access=allow} from JDK 23 on, where JDK 24 and later
 * would otherwise print four warnings about Unsafe, and never before, where JDK 21 and 22 refuse to
 * start with it. Every JDK on this machine starts with its options; the versions not installed here
 * are told apart by their {@code release} files.
 */
class LauncherOptionsTest {
  private static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";

  @TempDir Path jdks;

  @Test
  void everyInstalledJdkStartsWithTheLauncherOptionsAndNoWarning() throws Exception {
    Set<Path> javas = new LinkedHashSet<>();
    javas.add(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath());
    for (Path root : List.of(Path.of("/usr/lib/jvm"), Path.of("/opt/java"))) {
      if (Files.isDirectory(root)) {
        try (Stream<Path> homes = Files.list(root)) {
          for (Path home : homes.toList()) {
            Path java = home.resolve("bin").resolve("java");
            if (Files.isExecutable(java)) {
              javas.add(java.toRealPath());
            }
          }
        }
      }
    }
    for (Path java : javas) {
      List<String> options = options(java);
      List<String> command = new ArrayList<>();
      command.add(java.toString());
      command.addAll(options);
      // That the JVM takes them; CliErrorsTest runs commands, Protobuf and Netty included, with
      // the same options and finds no warning either.
      command.add("-version");
      Run run = run(command);
      assertEquals(0, run.exit(), java + " " + options + "\n" + run.output());
      assertFalse(run.output().contains("WARNING"), java + "\n" + run.output());
      assertFalse(run.output().contains("Unrecognized option"), java + "\n" + run.output());
    }
  }

  @Test
  void theUnsafeOptionGoesOnlyToJdk23AndLater() throws Exception {
    assertEquals(List.of("--enable-native-access=ALL-UNNAMED"), options(fakeJdk("21", "21.0.5")));
    assertEquals(List.of("--enable-native-access=ALL-UNNAMED"), options(fakeJdk("22", "22.0.2")));
    assertEquals(
        List.of("--enable-native-access=ALL-UNNAMED", UNSAFE), options(fakeJdk("23", "23.0.1")));
    assertEquals(
        List.of("--enable-native-access=ALL-UNNAMED", UNSAFE), options(fakeJdk("25", "25")));
  }

  /** A JDK folder that only its {@code release} file describes; its java is never run. */
  private Path fakeJdk(String name, String version) throws IOException {
    Path home = jdks.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(
        home.resolve("release"),
        "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n",
        StandardCharsets.UTF_8);
    Path java = home.resolve("bin").resolve("java");
    Files.writeString(java, "#!/bin/sh\nexit 1\n", StandardCharsets.UTF_8);
    java.toFile().setExecutable(true);
    return java;
  }

  /** What bin/lib/jdk.sh's meshwork_jvm_options prints for {@code java}. */
  private static List<String> options(Path java) throws Exception {
    Path script = Path.of("..", "bin", "lib", "jdk.sh").toAbsolutePath().normalize();
    Run run =
        run(
            List.of(
                "bash",
                "-c",
                ". \"$1\" && meshwork_jvm_options \"$2\"",
                "bash",
                script.toString(),
                java.toString()));
    assertEquals(0, run.exit(), run.output());
    return run.output().lines().toList();
  }

  private record Run(int exit, String output) {}

  private static Run run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("did not finish: " + command);
    }
    return new Run(p.exitValue(), output);
  }
}
