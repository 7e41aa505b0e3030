package io.meshwork.dist;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The demo's input: a few megabytes of word-like text made from a fixed seed, so every run on every
 * machine counts the same text.
 */
final class DemoCorpus {
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

  private DemoCorpus() {}

  /** About {@code bytes} bytes of text: lines of 4 to 16 words, with varied spacing. */
  static byte[] generate(int bytes, long seed) {
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
  static long countWords(byte[] text) {
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
