package io.meshwork.benchmarks;

import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * One benchmark workload: an example job module, the input every engine is given, and the same
 * computation written in plain Java, which is both the speed reference and the oracle each engine's
 * output is checked against.
 *
 * @param name short name used in the report ({@code wordcount}, {@code matmul}, {@code sha256})
 * @param size what the input was generated from: bytes of text or data, or the matrices' order
 * @param wasm the module's binary, exactly as shipped under {@code examples/}
 * @param input the bytes handed to {@code execute}
 * @param tinyInput the smallest input {@code execute} accepts, for measuring per-call overhead
 * @param plainJava the computation in Java: input bytes in, the module's output bytes out
 */
public record Workload(
    String name,
    int size,
    byte[] wasm,
    byte[] input,
    byte[] tinyInput,
    UnaryOperator<byte[]> plainJava) {

  /** The seed of every generated input, so all runs on all machines measure the same bytes. */
  static final long SEED = 20_260_421L;

  /** The three workloads of the benchmark at full size, read from {@code examples/} under root. */
  static Workload[] all(Path root) {
    return new Workload[] {
      wordCount(root, 1 << 20), matrixMultiply(root, 128), sha256(root, 1 << 20)
    };
  }

  /** The workload of that name at that size, as {@link #name()} and {@link #size()} give them. */
  static Workload named(Path root, String name, int size) {
    return switch (name) {
      case "wordcount" -> wordCount(root, size);
      case "matmul" -> matrixMultiply(root, size);
      case "sha256" -> sha256(root, size);
      default -> throw new IllegalArgumentException("no workload is called " + name);
    };
  }

  /** Word count over {@code bytes} bytes of generated text (examples/wordcount). */
  static Workload wordCount(Path root, int bytes) {
    return new Workload(
        "wordcount",
        bytes,
        read(root.resolve("examples/wordcount/wordcount.wasm")),
        text(bytes),
        new byte[0],
        Workload::countWords);
  }

  /** C = A x B for random n x n matrices with entries in [-100, 100] (examples/matmul). */
  static Workload matrixMultiply(Path root, int n) {
    return new Workload(
        "matmul",
        n,
        read(root.resolve("examples/matmul/matmul.wasm")),
        matrices(n, n, n),
        matrices(1, 1, 1),
        Workload::multiply);
  }

  /** SHA-256 of {@code bytes} random bytes (examples/sha256). */
  static Workload sha256(Path root, int bytes) {
    byte[] input = new byte[bytes];
    new SplittableRandom(SEED).nextBytes(input);
    return new Workload(
        "sha256",
        bytes,
        read(root.resolve("examples/sha256/sha256.wasm")),
        input,
        new byte[0],
        Workload::sha256Digest);
  }

  /** The output every engine must produce for {@link #input()}. */
  byte[] expectedOutput() {
    return plainJava.apply(input);
  }

  private static byte[] read(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the module " + path, e);
    }
  }

  /**
   * Exactly {@code bytes} bytes of the word-count example's sample text (lines of 4 to 16 words,
   * with a tab here and there so that every kind of separator the module knows about occurs).
   */
  static byte[] text(int bytes) {
    return Arrays.copyOf(SampleText.generate(bytes, SEED), bytes);
  }

  /** The matmul input: u32 n, k, m, then B (k x m), then A (n x k), all little-endian. */
  static byte[] matrices(int n, int k, int m) {
    SplittableRandom random = new SplittableRandom(SEED);
    ByteBuffer input = ByteBuffer.allocate(12 + 4 * (k * m + n * k)).order(ByteOrder.LITTLE_ENDIAN);
    input.putInt(n).putInt(k).putInt(m);
    for (int i = 0; i < k * m + n * k; i++) {
      input.putInt(random.nextInt(-100, 101));
    }
    return input.array();
  }

  /**
   * Words as the module counts them: maximal runs of bytes other than space and 9..13, written back
   * as ASCII decimal.
   */
  static byte[] countWords(byte[] text) {
    long words = 0;
    boolean inWord = false;
    for (byte b : text) {
      boolean space = b == ' ' || (b >= 9 && b <= 13);
      if (!space && !inWord) {
        words++;
      }
      inWord = !space;
    }
    return Long.toString(words).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The product as the module computes it, parsing and writing the same little-endian layout, so
   * that plain Java pays for the same conversions a module does.
   */
  static byte[] multiply(byte[] input) {
    ByteBuffer in = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
    int n = in.getInt();
    int k = in.getInt();
    int m = in.getInt();
    int[] b = new int[k * m];
    int[] a = new int[n * k];
    in.asIntBuffer().get(b).get(a);
    int[] c = new int[n * m];
    // The module's i-t-j loop order; int arithmetic wraps exactly like the module's i32.
    for (int i = 0; i < n; i++) {
      int row = i * m;
      for (int t = 0; t < k; t++) {
        int x = a[i * k + t];
        int brow = t * m;
        for (int j = 0; j < m; j++) {
          c[row + j] += x * b[brow + j];
        }
      }
    }
    ByteBuffer out = ByteBuffer.allocate(4 * n * m).order(ByteOrder.LITTLE_ENDIAN);
    out.asIntBuffer().put(c);
    return out.array();
  }

  static byte[] sha256Digest(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }
}
