package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SampleTextTest {

  @Test
  void theSameSeedGivesTheSameTextInWholeLines() {
    byte[] text = SampleText.generate(10_000, 7);
    assertArrayEquals(text, SampleText.generate(10_000, 7));
    assertFalse(Arrays.equals(text, SampleText.generate(10_000, 8)));
    assertTrue(text.length >= 10_000 && text.length < 10_000 + 256, "length " + text.length);
    assertEquals('\n', text[text.length - 1]);
    String s = new String(text, StandardCharsets.US_ASCII);
    assertTrue(s.contains("\t "), "tabs occur");
    for (String line : s.split("\n")) {
      int words = line.trim().split("\\s+").length;
      assertTrue(words >= 4 && words <= 16, line);
    }
  }

  @Test
  void wordsAreCountedAsWcCountsThem() {
    assertEquals(0, SampleText.countWords(new byte[0]));
    assertEquals(0, SampleText.countWords(" \t\n\r\u000b\f".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(
        5,
        SampleText.countWords(
            "one two\tthree\n  four\u000bfive\n".getBytes(StandardCharsets.US_ASCII)));
    byte[] text = SampleText.generate(5_000, 1);
    String s = new String(text, StandardCharsets.US_ASCII).trim();
    assertEquals(s.split("\\s+").length, SampleText.countWords(text));
  }
}
