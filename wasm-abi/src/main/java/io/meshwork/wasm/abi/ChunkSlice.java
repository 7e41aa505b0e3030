package io.meshwork.wasm.abi;

/**
 * Names one chunk of a streamed input by its byte range, so a task can read its chunk from the
 * stored blob instead of being handed a copy.
 *
 * @param index the chunk's position among the input's chunks, from 0
 * @param offset where the chunk starts in the input
 * @param length the chunk's length in bytes (0 only for the single chunk of an empty input)
 */
public record ChunkSlice(int index, long offset, long length) {

  /**
   * @throws IllegalArgumentException if a field is negative
   */
  public ChunkSlice {
    if (index < 0 || offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "chunk slice needs index, offset and length >= 0, got index "
              + index
              + ", offset "
              + offset
              + ", length "
              + length);
    }
  }

  /** The offset just past the chunk's last byte, where the next chunk starts. */
  public long end() {
    return offset + length;
  }
}
