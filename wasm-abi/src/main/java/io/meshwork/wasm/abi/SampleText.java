package io.meshwork.wasm.abi;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Input for the bundled word-count example: word-like text made from a seed, so that every run on
 * every machine counts the same text, and the count {@code wc -w} gives for it. The demo, the load
 * generator, the engine benchmarks and the tests that run whole jobs all use it.
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
}
