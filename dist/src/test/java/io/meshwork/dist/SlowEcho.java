package io.meshwork.dist;

import io.meshwork.client.JobRequest;
import io.meshwork.client.SplitStrategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

  private static int lineCount(byte[] input) {
    int n = 0;
    for (byte b : input) {
      n += b == '\n' ? 1 : 0;
    }
    return Math.max(1, n);
  }
}
