package io.meshwork.wasm.abi;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HostSplitterTest {

  private static byte[] ascii(String s) {
    return s.getBytes(US_ASCII);
  }

  private static List<String> split(SplitStrategy strategy, String input, long min, long max) {
    return HostSplitter.split(strategy, ascii(input), min, max).stream()
        .map(chunk -> new String(chunk, US_ASCII))
        .toList();
  }

  @Test
  void noneIsTheWholeInput() {
    assertEquals(List.of("a\nb\nc"), split(SplitStrategy.NONE, "a\nb\nc", 0, 1));
  }

  @Test
  void noneOfEmptyInputIsOneEmptyChunk() {
    assertEquals(List.of(""), split(SplitStrategy.NONE, "", 0, 0));
  }

  @Test
  void linesPackGreedilyUpToMax() {
    assertEquals(
        List.of("aa\nbb\n", "cc\ndd\n", "e"),
        split(SplitStrategy.LINES, "aa\nbb\ncc\ndd\ne", 0, 6));
  }

  @Test
  void lineThatFitsExactlyStaysInTheChunk() {
    assertEquals(List.of("ab\ncd\n", "ef\n"), split(SplitStrategy.LINES, "ab\ncd\nef\n", 1, 6));
  }

  @Test
  void longLineIsAChunkOfItsOwn() {
    assertEquals(
        List.of("a\n", "0123456789\n", "b\nc\n"),
        split(SplitStrategy.LINES, "a\n0123456789\nb\nc\n", 0, 4));
  }

  @Test
  void chunkBelowMinTakesTheNextLineEvenPastMax() {
    // "aaa\n" (4) is below min 5, so "bbb\n" joins it although 8 > max 6.
    assertEquals(List.of("aaa\nbbb\n", "c\n"), split(SplitStrategy.LINES, "aaa\nbbb\nc\n", 5, 6));
  }

  @Test
  void lastChunkMayBeBelowMin() {
    assertEquals(List.of("aaaa\n", "b"), split(SplitStrategy.LINES, "aaaa\nb", 5, 5));
  }

  @Test
  void linesOfEmptyInputIsOneEmptyChunk() {
    assertEquals(List.of(""), split(SplitStrategy.LINES, "", 0, 10));
  }

  @Test
  void rowBasedIsLines() {
    assertEquals(SplitStrategy.LINES, SplitStrategy.parse("row_based"));
  }

  @Test
  void linesKeepEveryByteAndCutOnlyAfterNewlines() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(40); i > 0; i--) {
        text.append("x".repeat(random.nextInt(12)));
        if (random.nextInt(5) > 0) {
          text.append('\n');
        }
      }
      long max = 1 + random.nextInt(20);
      long min = random.nextInt((int) max + 1);
      List<byte[]> chunks =
          HostSplitter.split(SplitStrategy.LINES, ascii(text.toString()), min, max);
      ByteArrayOutputStream joined = new ByteArrayOutputStream();
      for (int i = 0; i < chunks.size(); i++) {
        byte[] chunk = chunks.get(i);
        joined.writeBytes(chunk);
        boolean last = i == chunks.size() - 1;
        if (!last) {
          assertEquals('\n', chunk[chunk.length - 1], "a chunk ends inside a line");
          boolean beforeLongLine = chunks.get(i + 1).length > max;
          boolean singleLongLine = chunk.length > max && chunk.length - 1 == indexOfNewline(chunk);
          assertTrue(chunk.length >= min || beforeLongLine, "chunk below min: " + chunk.length);
          assertTrue(
              chunk.length <= max || singleLongLine || chunk.length < min + max,
              "chunk past max: " + chunk.length);
        }
      }
      assertEquals(text.toString(), joined.toString(US_ASCII));
    }
  }

  private static int indexOfNewline(byte[] chunk) {
    for (int i = 0; i < chunk.length; i++) {
      if (chunk[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  @Test
  void fixedCutsMaxSizedRanges() {
    assertEquals(List.of("abc", "def", "g"), split(SplitStrategy.FIXED, "abcdefg", 0, 3));
    assertEquals(List.of("abc", "def"), split(SplitStrategy.FIXED, "abcdef", 0, 3));
  }

  @Test
  void fixedWithHugeMaxIsOneChunk() {
    assertEquals(List.of("abc"), split(SplitStrategy.FIXED, "abc", 0, Long.MAX_VALUE));
  }

  @Test
  void fixedOfEmptyInputIsOneEmptyChunk() {
    List<byte[]> chunks = HostSplitter.split(SplitStrategy.FIXED, new byte[0], 0, 3);
    assertEquals(1, chunks.size());
    assertArrayEquals(new byte[0], chunks.get(0));
  }

  @Test
  void wasmIsNotHostSide() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> HostSplitter.split(SplitStrategy.WASM, ascii("x"), 0, 1));
    assertTrue(e.getMessage().contains("split export"), e.getMessage());
  }

  @Test
  void badSizesAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> HostSplitter.split(SplitStrategy.LINES, ascii("x"), 0, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> HostSplitter.split(SplitStrategy.FIXED, ascii("x"), 5, 4));
    assertThrows(
        IllegalArgumentException.class,
        () -> HostSplitter.split(SplitStrategy.LINES, ascii("x"), -1, 4));
  }
}
