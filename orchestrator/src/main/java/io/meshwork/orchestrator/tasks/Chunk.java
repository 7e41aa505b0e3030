package io.meshwork.orchestrator.tasks;

import io.meshwork.content.Cid;
import java.util.Objects;

/**
 * A task's input: either its bytes, which travel inside the task, or a byte range of a stored blob,
 * which the executor fetches itself; with the chunk's own CID either way, computed once here so
 * that announcing, placing and checking a task never hash its bytes again.
 *
 * @param cid CIDv1 of the chunk's bytes: the input a receipt for the task must name
 * @param size the chunk's length in bytes
 * @param bytes the bytes, or null for a chunk by reference
 * @param blobCid the blob holding a chunk by reference, or null for inline bytes
 * @param offset where a chunk by reference starts in its blob (0 for inline bytes)
 */
public record Chunk(String cid, long size, byte[] bytes, String blobCid, long offset) {
  /** Checks that exactly one of bytes and blob is given. */
  public Chunk {
    Objects.requireNonNull(cid, "cid");
    if ((bytes == null) == (blobCid == null)) {
      throw new IllegalArgumentException("a chunk is either inline bytes or a blob range");
    }
  }

  /** {@code bytes} as an inline chunk, hashed now. */
  public static Chunk inline(byte[] bytes) {
    return new Chunk(Cid.of(bytes), bytes.length, bytes, null, 0);
  }

  /** {@code bytes} whose CID is already known to be {@code cid}. */
  public static Chunk inline(byte[] bytes, String cid) {
    return new Chunk(cid, bytes.length, bytes, null, 0);
  }

  /**
   * The range {@code [offset, offset + size)} of blob {@code blobCid}, whose CID is {@code cid}.
   */
  public static Chunk stored(String blobCid, long offset, long size, String cid) {
    return new Chunk(cid, size, null, blobCid, offset);
  }

  /** Whether the bytes are here (else the receiver fetches the range). */
  public boolean inline() {
    return bytes != null;
  }

  @Override
  public String toString() {
    return inline()
        ? "Chunk[" + cid + ", " + size + " bytes inline]"
        : "Chunk[" + cid + ", " + size + " bytes at " + offset + " of " + blobCid + "]";
  }
}
