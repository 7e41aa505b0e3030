package io.meshwork.wasm.abi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Cuts an input read as a stream into the chunks {@link HostSplitter#split} would make, handing out
 * each chunk's byte range as soon as the bytes read so far decide it.
 *
 * <p>It keeps one block of the input and a few offsets, never the bytes of a line or a chunk, so
 * its memory does not grow with the input or its lines. Blocks are read into the same array, each
 * from index 0, because a decision never needs bytes of an earlier block: only where its lines
 * ended.
 *
 * <p>Not thread-safe: one consumer advances it.
 */
final class StreamedSlices implements Iterator<ChunkSlice> {

  static final int BLOCK_SIZE = 64 * 1024;

  private final SplitStrategy strategy;
  private final InputStream input;
  private final long size;
  private final long minChunk;
  private final long maxChunk;
  private final byte[] block;

  /** Input offset of {@code block[0]}. */
  private long blockOffset;

  /** Valid bytes in {@code block}; {@code blockOffset + blockLength} bytes have been read. */
  private int blockLength;

  /** Where the newline scan resumes in {@code block}. */
  private int scanPos;

  /** Start of the chunk being filled (for FIXED, of the next chunk). */
  private long chunkStart;

  /** Start of the line being scanned; for LINES, lines before it are in the open chunk. */
  private long lineStart;

  private int nextIndex;

  /** True once the stream has been found to end exactly at {@code size}. */
  private boolean ended;

  /**
   * Slices decided but not yet handed out; one line end can decide two (the open chunk and an
   * over-long line), and the end of the input one more.
   */
  private final ArrayDeque<ChunkSlice> decided = new ArrayDeque<>(4);

  /** The failure that stopped the cut; handed out again on every later call. */
  private RuntimeException failure;

  StreamedSlices(
      SplitStrategy strategy, InputStream input, long size, long minChunk, long maxChunk) {
    this.strategy = strategy;
    this.input = input;
    this.size = size;
    this.minChunk = minChunk;
    this.maxChunk = maxChunk;
    // A block larger than the input would only be allocated to stay mostly empty.
    this.block = new byte[(int) Math.max(1, Math.min(BLOCK_SIZE, size))];
  }

  /**
   * Returns whether another chunk follows, reading the input until that is known.
   *
   * @throws UncheckedIOException if reading failed; an {@link InputSizeMismatchException} if the
   *     input is shorter or longer than its declared size
   */
  @Override
  public boolean hasNext() {
    if (failure != null) {
      throw failure;
    }
    try {
      while (decided.isEmpty() && !ended) {
        advance();
      }
    } catch (IOException e) {
      failure =
          new UncheckedIOException(
              "reading the input failed after "
                  + (blockOffset + blockLength)
                  + " of "
                  + size
                  + " bytes: "
                  + e.getMessage(),
              e);
      throw failure;
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    }
    return !decided.isEmpty();
  }

  /**
   * Returns the next chunk's byte range, reading the input until it is decided.
   *
   * @throws NoSuchElementException after the last chunk
   * @throws UncheckedIOException as {@link #hasNext}
   */
  @Override
  public ChunkSlice next() {
    if (!hasNext()) {
      throw new NoSuchElementException("all " + nextIndex + " chunks of the input were handed out");
    }
    return decided.removeFirst();
  }

  /** Decides what the block in hand allows, or reads the next one, or confirms the end. */
  private void advance() throws IOException {
    if (strategy == SplitStrategy.LINES && scanPos < blockLength) {
      cutLines();
      return;
    }
    if (strategy == SplitStrategy.FIXED && fullFixedChunkRead()) {
      decide(chunkStart, maxChunk);
      chunkStart += maxChunk;
      return;
    }
    long read = blockOffset + blockLength;
    if (read < size) {
      int n = input.read(block, 0, (int) Math.min(block.length, size - read));
      if (n < 0) {
        throw InputSizeMismatchException.endedEarly(size, read);
      }
      blockOffset = read;
      blockLength = n;
      scanPos = 0;
      return;
    }
    // One more byte decides whether the declared size was the whole input. A caller that stops
    // early never gets here, so a stream it abandons is not read further.
    if (input.read() >= 0) {
      throw InputSizeMismatchException.longerThanDeclared(size);
    }
    ended = true;
    cutLast();
  }

  private boolean fullFixedChunkRead() {
    long read = blockOffset + blockLength;
    // Compared as a difference, because chunkStart + maxChunk may overflow for a huge maxChunk.
    return read - chunkStart >= maxChunk;
  }

  /**
   * Scans the rest of the block for line ends, stopping as soon as one decides a chunk.
   *
   * <p>A line ending no further than {@code maxChunk} bytes past the open chunk's start decides
   * nothing in {@link HostSplitter#split}'s rule: it joins the open chunk. Only the last of those
   * matters (it is where the next line starts), so that stretch is searched backwards for its last
   * newline, and the scan goes forwards only past it, to the first line that would overflow. With
   * lines much shorter than a chunk, most bytes are never looked at.
   */
  private void cutLines() {
    int pos = scanPos;
    while (decided.isEmpty()) {
      // The scan position is never before chunkStart, so this cannot underflow; and it is added to
      // pos only once clamped to the block, as maxChunk may be near Long.MAX_VALUE.
      long quietBytes = Math.max(0, maxChunk - (blockOffset + pos - chunkStart));
      int quietEnd = pos + (int) Math.min(blockLength - pos, quietBytes);
      if (quietEnd > pos) {
        int last = NewlineScan.last(block, pos, quietEnd);
        if (last >= 0) {
          lineStart = blockOffset + last + 1;
        }
        pos = quietEnd;
      }
      int newline = NewlineScan.next(block, pos, blockLength);
      if (newline < 0) {
        pos = blockLength;
        closeBeforeLongLine();
        break;
      }
      pos = newline + 1;
      endLine(blockOffset + pos);
    }
    scanPos = pos;
  }

  /**
   * Applies {@link HostSplitter#split}'s rule to the line {@code [lineStart, lineEnd)}, which ends
   * more than {@code maxChunk} bytes past the open chunk's start.
   */
  private void endLine(long lineEnd) {
    long open = lineStart - chunkStart;
    long lineLength = lineEnd - lineStart;
    if (lineLength > maxChunk) {
      if (open > 0) {
        decide(chunkStart, open);
      }
      decide(lineStart, lineLength);
      chunkStart = lineEnd;
    } else if (open >= minChunk) {
      // open > 0 here: a line of at most maxChunk bytes overflows only a non-empty chunk.
      decide(chunkStart, open);
      chunkStart = lineStart;
    }
    // Otherwise the open chunk is below minChunk and takes the line past maxChunk.
    lineStart = lineEnd;
  }

  /**
   * Closes the open chunk while a line is still being read, once the line is certain to close it at
   * its end: it is already longer than {@code maxChunk}, or it already overflows a chunk that has
   * reached {@code minChunk}. A caller can then start on that chunk while a very long line is still
   * streaming, and the rule's outcome is the same as deciding at the line's end.
   */
  private void closeBeforeLongLine() {
    long read = blockOffset + blockLength;
    long open = lineStart - chunkStart;
    if (open > 0
        && (read - lineStart > maxChunk || (read - chunkStart > maxChunk && open >= minChunk))) {
      decide(chunkStart, open);
      chunkStart = lineStart;
    }
  }

  /** Decides the chunks the end of the input closes, once the input's length is confirmed. */
  private void cutLast() {
    if (strategy == SplitStrategy.LINES && lineStart < size) {
      // The last line has no newline; past the quiet stretch it is decided like any other.
      if (size - chunkStart > maxChunk) {
        endLine(size);
      } else {
        lineStart = size;
      }
    }
    // Every strategy makes at least one chunk, so an empty input is one empty chunk.
    if (chunkStart < size || nextIndex == 0) {
      decide(chunkStart, size - chunkStart);
    }
  }

  private void decide(long offset, long length) {
    if (nextIndex == Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "input of "
              + size
              + " bytes cut into more than "
              + Integer.MAX_VALUE
              + " chunks; max_chunk_size "
              + maxChunk
              + " is too small for it");
    }
    decided.addLast(new ChunkSlice(nextIndex++, offset, length));
  }
}
