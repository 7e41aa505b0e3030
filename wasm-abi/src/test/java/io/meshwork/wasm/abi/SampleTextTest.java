package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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

  @Test
  void writeStreamsTheTextGenerateMakes() throws IOException {
    // Sizes around the 64 KiB block, so that lines straddle the blocks the stream is written in.
    for (int bytes : new int[] {0, 1, 100, 65_535, 65_536, 65_600, 300_000}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long written = SampleText.write(out, bytes, 42);
      byte[] expected = SampleText.generate(bytes, 42);
      assertArrayEquals(expected, out.toByteArray(), "size " + bytes);
      assertEquals(expected.length, written, "size " + bytes);
    }
  }

  @Test
  void aStreamIsCountedAsItsBytesAre() throws IOException {
    byte[] text = SampleText.generate(400_000, 3);
    assertEquals(
        SampleText.countWords(text), SampleText.countWords(new ByteArrayInputStream(text)));
    // A word cut by a read boundary is still one word: reads of 7 bytes at a time.
    InputStream trickle =
        new ByteArrayInputStream(text) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 7));
          }
        };
    assertEquals(SampleText.countWords(text), SampleText.countWords(trickle));
  }
}
