package io.meshwork.orchestrator.tasks;

import io.meshwork.content.Cid;
import java.util.Objects;

/**
 * A task's input: either its bytes, which travel inside the task, or a byte range of a stored blob,
 * which the executor fetches itself, after a prefix that travels with the reference; with the
 * chunk's own CID either way, computed once here so that announcing, placing and checking a task
 * never hash its bytes again.
 *
 * @param cid CIDv1 of the bytes the module gets (for a reference, prefix and range together): the
 *     input a receipt for the task must name
 * @param size how many bytes the module gets, a reference's prefix included
 * @param bytes the bytes, or null for a chunk by reference
 * @param blobCid the blob holding a chunk by reference, or null for inline bytes
 * @param offset where a chunk by reference starts in its blob (0 for inline bytes)
 * @param prefix the bytes that go before a reference's range (the job's {@code chunk_prefix});
 *     empty for inline bytes, which already hold theirs
 */
public record Chunk(
    String cid, long size, byte[] bytes, String blobCid, long offset, byte[] prefix) {
  private static final byte[] NONE = new byte[0];

  /** Checks that exactly one of bytes and blob is given, and that only a reference has a prefix. */
  public Chunk {
    Objects.requireNonNull(cid, "cid");
    Objects.requireNonNull(prefix, "prefix");
    if ((bytes == null) == (blobCid == null)) {
      throw new IllegalArgumentException("a chunk is either inline bytes or a blob range");
    }
    if (bytes != null && prefix.length > 0) {
      throw new IllegalArgumentException("an inline chunk holds its prefix in its bytes");
    }
    if (size < prefix.length) {
      throw new IllegalArgumentException("a chunk is at least as long as its prefix");
    }
  }

  /** {@code bytes} as an inline chunk, hashed now. */
  public static Chunk inline(byte[] bytes) {
    return new Chunk(Cid.of(bytes), bytes.length, bytes, null, 0, NONE);
  }

  /** {@code bytes} whose CID is already known to be {@code cid}. */
  public static Chunk inline(byte[] bytes, String cid) {
    return new Chunk(cid, bytes.length, bytes, null, 0, NONE);
  }

  /**
   * The range {@code [offset, offset + length)} of blob {@code blobCid} after {@code prefix}, which
   * together have the CID {@code cid}.
   */
  public static Chunk stored(String blobCid, long offset, long length, byte[] prefix, String cid) {
    return new Chunk(cid, prefix.length + length, null, blobCid, offset, prefix);
  }

  /** Whether the bytes are here (else the receiver fetches the range). */
  public boolean inline() {
    return bytes != null;
  }

  /** How many bytes of the blob a chunk by reference takes: its size without the prefix. */
  public long rangeLength() {
    return size - prefix.length;
  }

  @Override
  public String toString() {
    if (inline()) {
      return "Chunk[" + cid + ", " + size + " bytes inline]";
    }
    return "Chunk["
        + cid
        + ", "
        + rangeLength()
        + " bytes at "
        + offset
        + " of "
        + blobCid
        + (prefix.length > 0 ? " after a prefix of " + prefix.length + " bytes" : "")
        + "]";
  }
}
