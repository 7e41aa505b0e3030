package io.meshwork.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An 80 MiB blob up and down through the service in a JVM whose heap is 64 MiB: if any part held
 * the whole blob, it would run out of memory.
 */
class SmallHeapSmokeTest {
  @TempDir Path dir;

  @Test
  void aBlobLargerThanTheHeapStreamsThrough() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx64m",
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    System.getProperty("java.class.path"),
                    SmallHeapSmoke.class.getName(),
                    dir.toString(),
                    String.valueOf(80L << 20)))
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    boolean ended = p.waitFor(10, TimeUnit.MINUTES);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!ended) {
      p.destroyForcibly();
    }
    assertTrue(ended, "the smoke did not end:\n" + output);
    assertEquals(0, p.exitValue(), output);
    assertTrue(output.contains("ok bafkrei"), output);
  }
}
