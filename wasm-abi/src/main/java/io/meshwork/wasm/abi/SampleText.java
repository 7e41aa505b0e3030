package io.meshwork.wasm.abi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Input for the bundled word-count example: word-like text made from a seed, so that every run on
 * every machine counts the same text, and the count {@code wc -w} gives for it. The demo, the load
 * generator, the engine benchmarks and the tests that run whole jobs all use it.
 *
 * <p>{@link #write} streams the same text to a file of any size, and {@link
 * #countWords(InputStream)} counts a stream of any size, both in blocks, never holding the whole
 * text.
 */
public final class SampleText {
  private static final String[] WORDS = {
    "mesh",
    "verifiable",
    "compute",
    "executor",
    "receipt",
    "ledger",
    "mana",
    "chunk",
    "merge",
    "split",
    "orchestrator",
    "signature",
    "merkle",
    "proof",
    "sandbox",
    "wasm",
    "job",
    "task",
    "bid",
    "reputation",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "on",
    "with"
  };

  private static final byte[][] WORD_BYTES = new byte[WORDS.length][];

  static {
    for (int i = 0; i < WORDS.length; i++) {
      WORD_BYTES[i] = WORDS[i].getBytes(StandardCharsets.US_ASCII);
    }
  }

  /** The block {@link #write} fills before handing it to its stream, and the read block. */
  private static final int BLOCK = 1 << 16;

  private SampleText() {}

  /**
   * At least {@code bytes} bytes of ASCII text, in whole lines of 4 to 16 words, some separated by
   * a tab as well as a space.
   */
  public static byte[] generate(int bytes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder text = new StringBuilder(bytes + 128);
    while (text.length() < bytes) {
      int words = 4 + random.nextInt(13);
      for (int w = 0; w < words; w++) {
        if (w > 0) {
          text.append(random.nextInt(10) == 0 ? "\t " : " ");
        }
        text.append(WORDS[random.nextInt(WORDS.length)]);
      }
      text.append('\n');
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Writes to {@code out} exactly the text {@link #generate} makes for {@code bytes} and {@code
   * seed} (whole lines, at least {@code bytes} bytes), in blocks of 64 KiB, so that the text may be
   * larger than any array. Does not close {@code out}.
   *
   * @return the bytes written
   */
  public static long write(OutputStream out, long bytes, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    // The longest line: 16 of the longest word, each after a tab and a space, and the newline.
    byte[] block = new byte[BLOCK + 16 * (2 + 12) + 1];
    int used = 0;
    long written = 0;
    while (written + used < bytes) {
      int words = 4 + random.nextInt(13);
      for (int w = 0; w < words; w++) {
        if (w > 0) {
          if (random.nextInt(10) == 0) {
            block[used++] = '\t';
          }
          block[used++] = ' ';
        }
        byte[] word = WORD_BYTES[random.nextInt(WORD_BYTES.length)];
        System.arraycopy(word, 0, block, used, word.length);
        used += word.length;
      }
      block[used++] = '\n';
      if (used >= BLOCK) {
        out.write(block, 0, used);
        written += used;
        used = 0;
      }
    }
    out.write(block, 0, used);
    return written + used;
  }

  /** Words as {@code wc -w} counts them: maximal runs of bytes that are not white space. */
  public static long countWords(byte[] text) {
    long words = 0;
    boolean inWord = false;
    for (byte b : text) {
      boolean space = b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
      if (!space && !inWord) {
        words++;
      }
      inWord = !space;
    }
    return words;
  }

  /**
   * Counts the words of a stream of any length as {@link #countWords(byte[])} counts an array,
   * reading it to its end in blocks of 64 KiB. Does not close {@code in}.
   */
  public static long countWords(InputStream in) throws IOException {
    byte[] block = new byte[BLOCK];
    long words = 0;
    boolean inWord = false;
    for (int n; (n = in.read(block)) >= 0; ) {
      for (int i = 0; i < n; i++) {
        byte b = block[i];
        // The same six bytes as above: 9 to 13 are tab, newline, vertical tab, form feed, return.
        boolean space = b == ' ' || (b >= '\t' && b <= '\r');
        if (!space && !inWord) {
          words++;
        }
        inWord = !space;
      }
    }
    return words;
  }
}
