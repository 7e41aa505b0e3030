package io.meshwork.wasm.abi;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks that {@link HostSplitter#slices} cuts a streamed input exactly where {@link
 * HostSplitter#split} cuts the same bytes held in memory, however the stream delivers them.
 */
class HostSplitterSlicesTest {

  /**
   * An input stream that hands out its bytes in short reads of random length, so the splitter's
   * blocks end at every kind of place: inside a line, on a newline, just after one.
   */
  private static final class ShortReads extends InputStream {
    private final byte[] bytes;
    private final Random random;
    private final int longestRead;
    private int pos;
    int reads;
    boolean closed;

    ShortReads(byte[] bytes, Random random, int longestRead) {
      this.bytes = bytes;
      this.random = random;
      this.longestRead = longestRead;
    }

    int position() {
      return pos;
    }

    @Override
    public int read() {
      reads++;
      return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      reads++;
      if (len == 0) {
        return 0;
      }
      if (pos == bytes.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, bytes.length - pos), 1 + random.nextInt(longestRead));
      System.arraycopy(bytes, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static List<ChunkSlice> slicesOf(
      SplitStrategy strategy, InputStream in, long size, long min, long max) {
    List<ChunkSlice> out = new ArrayList<>();
    HostSplitter.slices(strategy, in, size, min, max).forEachRemaining(out::add);
    return out;
  }

  /** The slices {@code split}'s copies stand for: consecutive ranges of their lengths. */
  private static List<ChunkSlice> expectedSlices(
      SplitStrategy strategy, byte[] input, long min, long max) {
    List<ChunkSlice> expected = new ArrayList<>();
    long offset = 0;
    for (byte[] chunk : HostSplitter.split(strategy, input, min, max)) {
      expected.add(new ChunkSlice(expected.size(), offset, chunk.length));
      offset += chunk.length;
    }
    return expected;
  }

  /**
   * Random lines: often empty or short, sometimes far longer than a chunk; bytes drawn from the
   * whole byte range, so values next to {@code '\n'} (0x0B, 0x8A, 0x09) sit in the same words as
   * real newlines; and the last line sometimes without its newline.
   */
  private static byte[] randomLines(Random random, int maxSize, int longLine) {
    byte[] out = new byte[random.nextInt(maxSize + 1)];
    int pos = 0;
    while (pos < out.length) {
      int length =
          switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> random.nextInt(longLine + 1);
            default -> random.nextInt(12);
          };
      for (int i = 0; i < length && pos < out.length; i++) {
        int b = random.nextInt(256);
        out[pos++] = (byte) (b == '\n' ? 0x0B : b);
      }
      if (pos < out.length) {
        out[pos++] = '\n';
      }
    }
    if (out.length > 0 && random.nextBoolean()) {
      out[out.length - 1] = 'x';
    }
    return out;
  }

  private static void assertCoversTheInput(List<ChunkSlice> slices, long size, String context) {
    long offset = 0;
    for (int i = 0; i < slices.size(); i++) {
      ChunkSlice slice = slices.get(i);
      assertEquals(i, slice.index(), context);
      assertEquals(offset, slice.offset(), context + ": gap or overlap at chunk " + i);
      assertTrue(slice.length() > 0 || size == 0, context + ": empty chunk in a non-empty input");
      offset = slice.end();
    }
    assertEquals(size, offset, context + ": slices stop before the end");
    assertFalse(slices.isEmpty(), context);
  }

  @Test
  void slicesMatchSplitOnRandomInputsReadInShortPieces() {
    Random random = new Random(20_261_203);
    for (int round = 0; round < 6000; round++) {
      byte[] input = randomLines(random, random.nextInt(4) == 0 ? 64 : 4000, 300);
      long max =
          switch (random.nextInt(4)) {
            case 0 -> 1 + random.nextInt(4);
            case 1 -> 1 + random.nextInt(40);
            case 2 -> 1 + random.nextInt(400);
            default -> random.nextBoolean() ? Long.MAX_VALUE : input.length + random.nextInt(3);
          };
      long min =
          switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> max;
            // Above a typical short line, so the min rule takes lines past max.
            case 2 -> Math.min(max, 20 + random.nextInt(60));
            default -> (long) (random.nextDouble() * max);
          };
      max = Math.max(max, 1);
      for (SplitStrategy strategy :
          List.of(SplitStrategy.LINES, SplitStrategy.FIXED, SplitStrategy.NONE)) {
        String context =
            "round "
                + round
                + ", "
                + strategy
                + ", size "
                + input.length
                + ", min "
                + min
                + ", max "
                + max;
        ShortReads in = new ShortReads(input, random, 1 + random.nextInt(1 + random.nextInt(70)));
        List<ChunkSlice> actual = slicesOf(strategy, in, input.length, min, max);
        assertEquals(expectedSlices(strategy, input, min, max), actual, context);
        assertCoversTheInput(actual, input.length, context);
        assertEquals(input.length, in.position(), context);
      }
    }
  }

  @Test
  void slicesMatchSplitAcrossFullBlocksAndLinesLongerThanABlock() {
    // Inputs several blocks long, read in whole blocks, with lines longer than a block, so the
    // block array is reused and an over-long line spans blocks.
    Random random = new Random(42);
    for (int round = 0; round < 12; round++) {
      byte[] input = randomLines(random, 400_000, 150_000);
      long max = new long[] {1, 100, 70_000, 200_000, 1 << 20}[round % 5];
      long min = round % 3 == 0 ? max : round % 3 == 1 ? 0 : max / 2;
      for (SplitStrategy strategy : List.of(SplitStrategy.LINES, SplitStrategy.FIXED)) {
        String context = "round " + round + ", " + strategy + ", min " + min + ", max " + max;
        List<ChunkSlice> actual =
            slicesOf(strategy, new ByteArrayInputStream(input), input.length, min, max);
        assertEquals(expectedSlices(strategy, input, min, max), actual, context);
      }
    }
  }

  @Test
  void theSplitJavadocCasesGiveTheSameSlices() {
    record Case(String input, long min, long max) {}
    for (Case c :
        List.of(
            new Case("aa\nbb\ncc\ndd\ne", 0, 6),
            new Case("ab\ncd\nef\n", 1, 6),
            new Case("a\n0123456789\nb\nc\n", 0, 4),
            new Case("aaa\nbbb\nc\n", 5, 6),
            new Case("aaaa\nb", 5, 5),
            new Case("\n\n\n\n", 2, 2),
            new Case("0123456789", 0, 3),
            new Case("", 0, 10))) {
      byte[] input = c.input().getBytes(US_ASCII);
      for (int longestRead = 1; longestRead <= 3; longestRead++) {
        ShortReads in = new ShortReads(input, new Random(longestRead), longestRead);
        assertEquals(
            expectedSlices(SplitStrategy.LINES, input, c.min(), c.max()),
            slicesOf(SplitStrategy.LINES, in, input.length, c.min(), c.max()),
            c.toString());
      }
    }
  }

  @Test
  void emptyInputIsOneEmptySliceForEveryStrategy() {
    for (SplitStrategy strategy :
        List.of(SplitStrategy.NONE, SplitStrategy.LINES, SplitStrategy.FIXED)) {
      assertEquals(
          List.of(new ChunkSlice(0, 0, 0)),
          slicesOf(strategy, InputStream.nullInputStream(), 0, 0, 5),
          strategy.toString());
    }
  }

  @Test
  void firstChunksComeBeforeTheRestOfTheInputIsRead() {
    byte[] input = "ab\ncd\n".repeat(100_000).getBytes(US_ASCII);
    ShortReads in = new ShortReads(input, new Random(1), 4096);
    Iterator<ChunkSlice> slices = HostSplitter.slices(SplitStrategy.LINES, in, input.length, 0, 6);
    assertEquals(new ChunkSlice(0, 0, 6), slices.next());
    assertEquals(new ChunkSlice(1, 6, 6), slices.next());
    assertTrue(in.position() <= 4096, "read " + in.position() + " bytes for two chunks");
    assertFalse(in.closed, "the caller owns the stream");
  }

  @Test
  void chunkBeforeAVeryLongLineComesBeforeTheLineEnds() {
    byte[] line = new byte[1_000_000];
    Arrays.fill(line, (byte) 'x');
    byte[] input = ("a\nb\n" + new String(line, US_ASCII) + "\n").getBytes(US_ASCII);
    ShortReads in = new ShortReads(input, new Random(2), 1000);
    Iterator<ChunkSlice> slices = HostSplitter.slices(SplitStrategy.LINES, in, input.length, 0, 10);
    assertEquals(new ChunkSlice(0, 0, 4), slices.next());
    assertTrue(in.position() < 20_000, "read " + in.position() + " bytes for the first chunk");
    assertEquals(new ChunkSlice(1, 4, line.length + 1), slices.next());
    assertFalse(slices.hasNext());
  }

  @Test
  void streamShorterThanItsSizeIsRefused() {
    byte[] input = "abc\ndef\n".getBytes(US_ASCII);
    for (SplitStrategy strategy :
        List.of(SplitStrategy.NONE, SplitStrategy.LINES, SplitStrategy.FIXED)) {
      var e =
          assertThrows(
              InputSizeMismatchException.class,
              () -> slicesOf(strategy, new ByteArrayInputStream(input), 20, 0, 4),
              strategy.toString());
      assertEquals("input ended after 8 bytes but its declared size is 20 bytes", e.getMessage());
      assertEquals(20, e.declaredSize());
      assertEquals(8, e.bytesRead());
    }
  }

  @Test
  void streamLongerThanItsSizeIsRefused() {
    byte[] input = "abc\ndef\n".getBytes(US_ASCII);
    for (SplitStrategy strategy :
        List.of(SplitStrategy.NONE, SplitStrategy.LINES, SplitStrategy.FIXED)) {
      for (int size : new int[] {0, 5, 7}) {
        var e =
            assertThrows(
                InputSizeMismatchException.class,
                () -> slicesOf(strategy, new ByteArrayInputStream(input), size, 0, 4),
                strategy + " size " + size);
        assertTrue(
            e.getMessage().contains("more bytes than its declared size of " + size + " bytes"),
            e.getMessage());
      }
    }
  }

  @Test
  void failedReadIsThrownUncheckedAndAgainOnLaterCalls() {
    IOException broken = new IOException("connection reset");
    InputStream failing =
        new InputStream() {
          private int left = 100;

          @Override
          public int read() throws IOException {
            if (left-- > 0) {
              return 'x';
            }
            throw broken;
          }
        };
    Iterator<ChunkSlice> slices = HostSplitter.slices(SplitStrategy.FIXED, failing, 1000, 0, 10);
    for (int i = 0; i < 10; i++) {
      assertEquals(new ChunkSlice(i, 10L * i, 10), slices.next());
    }
    var e = assertThrows(UncheckedIOException.class, slices::hasNext);
    assertSame(broken, e.getCause());
    assertTrue(e.getMessage().contains("after 100 of 1000 bytes"), e.getMessage());
    assertSame(e, assertThrows(UncheckedIOException.class, slices::next));
    assertFalse(e instanceof InputSizeMismatchException);
  }

  @Test
  void nextAfterTheLastSliceThrows() {
    Iterator<ChunkSlice> slices =
        HostSplitter.slices(SplitStrategy.NONE, new ByteArrayInputStream(new byte[3]), 3, 0, 0);
    assertEquals(new ChunkSlice(0, 0, 3), slices.next());
    assertFalse(slices.hasNext());
    assertThrows(NoSuchElementException.class, slices::next);
  }

  @Test
  void badArgumentsAreRefusedBeforeReading() {
    ShortReads in = new ShortReads(new byte[10], new Random(3), 5);
    var wasm =
        assertThrows(
            IllegalArgumentException.class,
            () -> HostSplitter.slices(SplitStrategy.WASM, in, 10, 0, 1));
    assertTrue(wasm.getMessage().contains("split export"), wasm.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> HostSplitter.slices(SplitStrategy.LINES, in, 10, 0, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> HostSplitter.slices(SplitStrategy.FIXED, in, 10, 5, 4));
    assertThrows(
        IllegalArgumentException.class,
        () -> HostSplitter.slices(SplitStrategy.LINES, in, -1, 0, 4));
    assertEquals(0, in.reads);
  }

  @Test
  void sliceRefusesNegativeFields() {
    assertThrows(IllegalArgumentException.class, () -> new ChunkSlice(-1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new ChunkSlice(0, -1, 0));
    assertThrows(IllegalArgumentException.class, () -> new ChunkSlice(0, 0, -1));
  }
}
