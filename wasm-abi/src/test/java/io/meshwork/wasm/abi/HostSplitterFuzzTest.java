package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Fuzzes the host splitters: for any input and chunk sizes, {@link HostSplitter#split} either
 * refuses the sizes with an {@link IllegalArgumentException} or cuts chunks that give back the
 * input, follow the documented rules of their strategy, and are exactly the slices the streaming
 * {@link HostSplitter#slices} cuts; a stream shorter or longer than declared ends in an {@link
 * InputSizeMismatchException}.
 */
class HostSplitterFuzzTest {

  private static final SplitStrategy[] HOST_SIDE = {
    SplitStrategy.NONE, SplitStrategy.LINES, SplitStrategy.FIXED
  };

  @FuzzTest
  void splitsAnyInputByTheRules(FuzzedDataProvider data) {
    SplitStrategy strategy = data.pickValue(HOST_SIDE);
    long minChunk = data.consumeLong(-2, 300);
    long maxChunk = data.consumeLong(-2, 300);
    int sizeError = data.consumeInt(-3, 3);
    // Mostly newlines and letters, so that lines of every length turn up.
    byte[] input = data.consumeRemainingAsBytes();
    for (int i = 0; i < input.length; i++) {
      input[i] = (input[i] & 3) == 0 ? (byte) '\n' : input[i];
    }

    List<byte[]> chunks;
    try {
      chunks = HostSplitter.split(strategy, input, minChunk, maxChunk);
    } catch (IllegalArgumentException refused) {
      assertThrows(
          IllegalArgumentException.class,
          () ->
              HostSplitter.slices(
                  strategy, new ByteArrayInputStream(input), input.length, minChunk, maxChunk));
      return;
    }
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    chunks.forEach(joined::writeBytes);
    assertArrayEquals(input, joined.toByteArray());
    assertTrue(!chunks.isEmpty());
    checkRules(strategy, chunks, minChunk, maxChunk);

    List<ChunkSlice> slices = new ArrayList<>();
    Iterator<ChunkSlice> streamed =
        HostSplitter.slices(
            strategy, new ByteArrayInputStream(input), input.length, minChunk, maxChunk);
    streamed.forEachRemaining(slices::add);
    assertEquals(chunks.size(), slices.size());
    long offset = 0;
    for (int i = 0; i < chunks.size(); i++) {
      assertEquals(new ChunkSlice(i, offset, chunks.get(i).length), slices.get(i));
      offset += chunks.get(i).length;
    }

    if (sizeError != 0 && input.length + sizeError >= 0) {
      long declared = input.length + sizeError;
      Iterator<ChunkSlice> wrong =
          HostSplitter.slices(
              strategy, new ByteArrayInputStream(input), declared, minChunk, maxChunk);
      assertThrows(InputSizeMismatchException.class, () -> wrong.forEachRemaining(s -> {}));
    }
  }

  private static void checkRules(
      SplitStrategy strategy, List<byte[]> chunks, long minChunk, long maxChunk) {
    int last = chunks.size() - 1;
    switch (strategy) {
      case NONE -> assertEquals(0, last);
      case FIXED -> {
        for (int i = 0; i < last; i++) {
          assertEquals(maxChunk, chunks.get(i).length);
        }
        assertTrue(chunks.get(last).length <= maxChunk);
      }
      case LINES -> {
        for (int i = 0; i <= last; i++) {
          byte[] chunk = chunks.get(i);
          if (i < last) {
            assertEquals('\n', chunk[chunk.length - 1], "a chunk ends with its last line");
          }
          boolean beforeLongLine = i < last && longestLine(chunks.get(i + 1)) > maxChunk;
          if (i < last && !beforeLongLine) {
            assertTrue(chunk.length >= minChunk, "chunk " + i + " is below the minimum");
          }
          if (chunk.length > maxChunk && longestLine(chunk) <= maxChunk) {
            // Over the maximum only to reach the minimum: without its last line it was short.
            assertTrue(chunk.length - lastLine(chunk) < minChunk, "chunk " + i + " is too big");
          }
        }
      }
      case WASM -> throw new AssertionError("not a host-side strategy");
    }
  }

  private static int longestLine(byte[] chunk) {
    int longest = 0;
    int start = 0;
    for (int i = 0; i < chunk.length; i++) {
      if (chunk[i] == '\n') {
        longest = Math.max(longest, i + 1 - start);
        start = i + 1;
      }
    }
    return Math.max(longest, chunk.length - start);
  }

  private static int lastLine(byte[] chunk) {
    int end = chunk.length - 1;
    int start = end;
    while (start > 0 && chunk[start - 1] != '\n') {
      start--;
    }
    return Arrays.copyOfRange(chunk, start, chunk.length).length;
  }
}
