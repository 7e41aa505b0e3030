package io.meshwork.dist;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.SplitStrategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Jobs of the test module slow-echo: each line is a task that spins in proportion to its length and
 * returns itself, so a test sets how long tasks run and can check the result whole.
 */
final class SlowEcho {
  private SlowEcho() {}

  /** A job that runs each line of {@code input} (lines of equal length) as one task. */
  static JobRequest job(byte[] input) {
    try {
      return JobRequest.newBuilder()
          .wasmModule(
              Files.readAllBytes(Path.of("src", "test", "resources", "modules", "slow-echo.wasm")))
          .input(input)
          .splitStrategy(SplitStrategy.LINES)
          .maxChunkSize(input.length / lineCount(input))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code n} distinct lines of {@code length} bytes each, the newline included, and at least the
   * mesh's floor of 64 bytes.
   */
  static byte[] lines(int n, int length) {
    int size = Math.max(length, 64);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String head = "line " + i + " ";
      text.append(head).append("x".repeat(size - head.length() - 1)).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Measures how many bytes of slow-echo input the mesh behind {@code user} runs in a second, so
   * that a test sizes its tasks in seconds whatever the machine, its load and the executors' JIT.
   */
  static int bytesPerSecond(MeshClient user, Duration stage) {
    // Doubled until the run dominates the job's own overhead; 8 KiB takes ~0.25 s on a slow core.
    int bytes = 8 << 10;
    double seconds;
    while (true) {
      long started = System.nanoTime();
      JobResult r = user.result(user.submit(job(lines(1, bytes))), stage);
      if (!r.success()) {
        throw new AssertionError("slow-echo failed: " + r.error());
      }
      seconds = (System.nanoTime() - started) / 1e9;
      if (seconds >= 1.5 || bytes >= 256 << 10) {
        break;
      }
      bytes *= 2;
    }
    // The job's own overhead counts as run time, so tasks come out a little shorter than asked.
    int perSecond = (int) Math.max(1, Math.round(bytes / seconds));
    System.out.printf("slow-echo: %d bytes in %.2f s here%n", bytes, seconds);
    return perSecond;
  }

  private static int lineCount(byte[] input) {
    int n = 0;
    for (byte b : input) {
      n += b == '\n' ? 1 : 0;
    }
    return Math.max(1, n);
  }
}
