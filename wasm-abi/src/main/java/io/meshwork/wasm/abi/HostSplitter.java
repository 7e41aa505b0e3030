package io.meshwork.wasm.abi;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Cuts a job's input into chunks with the strategies the host runs itself ({@code none}, {@code
 * lines}, {@code fixed}), exactly as WASM-ABI.md describes them.
 *
 * <p>Every strategy returns at least one chunk, so an empty input still makes one (empty) task.
 *
 * <p>{@link #split} cuts an input held in memory into copies; {@link #slices} cuts an input of any
 * size, read once as a stream, into byte ranges with the same boundaries.
 */
public final class HostSplitter {

  private HostSplitter() {}

  /**
   * Splits {@code input} into chunks, in input order; concatenated they give back the input.
   *
   * <ul>
   *   <li>{@link SplitStrategy#NONE}: the whole input as one chunk; the sizes are ignored.
   *   <li>{@link SplitStrategy#LINES}: whole lines (each ends after its {@code \n}; the last may
   *       have none). A line is added to the open chunk while the chunk stays within {@code
   *       maxChunk}. When the next line would overflow it, the open chunk is closed if it holds at
   *       least {@code minChunk} bytes, and otherwise takes the line anyway, so a chunk only
   *       outgrows {@code maxChunk} to reach {@code minChunk}. A line longer than {@code maxChunk}
   *       closes the open chunk and is a chunk by itself. Hence every chunk holds at least {@code
   *       minChunk} bytes except the last one and one directly before an over-long line.
   *   <li>{@link SplitStrategy#FIXED}: consecutive ranges of {@code maxChunk} bytes, the last one
   *       possibly shorter; {@code minChunk} is not used.
   * </ul>
   *
   * @throws IllegalArgumentException for {@link SplitStrategy#WASM} (the module splits), or when
   *     {@code LINES}/{@code FIXED} get {@code maxChunk < 1}, {@code minChunk < 0} or {@code
   *     minChunk > maxChunk}
   */
  public static List<byte[]> split(
      SplitStrategy strategy, byte[] input, long minChunk, long maxChunk) {
    return switch (strategy) {
      case NONE -> List.of(input.clone());
      case LINES -> {
        checkSizes(strategy, minChunk, maxChunk);
        yield byLines(input, minChunk, maxChunk);
      }
      case FIXED -> {
        checkSizes(strategy, minChunk, maxChunk);
        yield fixed(input, maxChunk);
      }
      case WASM -> throw wasmIsNotHostSide();
    };
  }

  /**
   * Cuts an input read as a stream into the same chunks as {@link #split}, as byte ranges handed
   * out in order while the stream is still being read, so an input of any size is split without
   * being held in memory.
   *
   * <p>The returned iterator reads {@code input} once, sequentially, in blocks of 64 KiB, as far as
   * it needs to decide the next chunk: a caller can start on the first chunks while later ones are
   * still being cut, and stop at any time. It keeps one block and a few offsets, whatever the
   * length of the input or of its lines; it never closes {@code input}, which stays the caller's.
   * {@code hasNext()} returns false only once the stream has ended exactly at {@code size} bytes,
   * so a caller that took every slice knows the input matched its declared size. {@code NONE} and
   * {@code FIXED} read the stream too, so all strategies check that.
   *
   * <p>A failure is thrown from {@code hasNext()} or {@code next()}, and again from every later
   * call: an {@link UncheckedIOException} wrapping the stream's {@link java.io.IOException}, or the
   * subclass {@link InputSizeMismatchException} when the stream ends before {@code size} bytes or
   * holds more. The iterator is not thread-safe.
   *
   * @param size the input's declared length in bytes
   * @throws IllegalArgumentException at once, as {@link #split} does, or for {@code size < 0}
   */
  public static Iterator<ChunkSlice> slices(
      SplitStrategy strategy, InputStream input, long size, long minChunk, long maxChunk) {
    Objects.requireNonNull(input, "input");
    if (size < 0) {
      throw new IllegalArgumentException("input size must be >= 0, got " + size);
    }
    switch (strategy) {
      case NONE -> {}
      case LINES, FIXED -> checkSizes(strategy, minChunk, maxChunk);
      case WASM -> throw wasmIsNotHostSide();
    }
    return new StreamedSlices(strategy, input, size, minChunk, maxChunk);
  }

  private static IllegalArgumentException wasmIsNotHostSide() {
    return new IllegalArgumentException(
        "split strategy wasm runs the module's split export; the host cannot split with it");
  }

  private static void checkSizes(SplitStrategy strategy, long minChunk, long maxChunk) {
    if (maxChunk < 1 || minChunk < 0 || minChunk > maxChunk) {
      throw new IllegalArgumentException(
          "split strategy "
              + strategy.wireName()
              + " needs 0 <= min_chunk_size <= max_chunk_size and max_chunk_size >= 1, got min "
              + minChunk
              + " and max "
              + maxChunk);
    }
  }

  private static List<byte[]> byLines(byte[] input, long minChunk, long maxChunk) {
    List<byte[]> chunks = new ArrayList<>();
    int chunkStart = 0;
    int lineStart = 0;
    while (lineStart < input.length) {
      int lineEnd = endOfLine(input, lineStart);
      long lineLength = lineEnd - lineStart;
      long open = lineStart - chunkStart;
      if (lineLength > maxChunk) {
        if (open > 0) {
          chunks.add(Arrays.copyOfRange(input, chunkStart, lineStart));
        }
        chunks.add(Arrays.copyOfRange(input, lineStart, lineEnd));
        chunkStart = lineEnd;
      } else if (open > 0 && open + lineLength > maxChunk && open >= minChunk) {
        chunks.add(Arrays.copyOfRange(input, chunkStart, lineStart));
        chunkStart = lineStart;
      }
      lineStart = lineEnd;
    }
    if (chunkStart < input.length || chunks.isEmpty()) {
      chunks.add(Arrays.copyOfRange(input, chunkStart, input.length));
    }
    return chunks;
  }

  /** Returns the index just past the line starting at {@code from}, its newline included. */
  private static int endOfLine(byte[] input, int from) {
    for (int i = from; i < input.length; i++) {
      if (input[i] == '\n') {
        return i + 1;
      }
    }
    return input.length;
  }

  private static List<byte[]> fixed(byte[] input, long maxChunk) {
    if (input.length == 0) {
      return List.of(new byte[0]);
    }
    List<byte[]> chunks = new ArrayList<>();
    for (int from = 0; from < input.length; ) {
      int to = from + (int) Math.min(input.length - from, maxChunk);
      chunks.add(Arrays.copyOfRange(input, from, to));
      from = to;
    }
    return chunks;
  }
}
