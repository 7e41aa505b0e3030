package io.meshwork.orchestrator.jobs;

import java.util.Objects;

/**
 * A result as a job keeps it: its CID and size, with its bytes either here (a small result) or in
 * the blob store, as the blob named by that same CID (a large one). Content addressing makes the
 * blob's name and the result's CID one and the same, so a stored result needs nothing else.
 *
 * @param cid CIDv1 of the result's bytes, and the blob's name when stored
 * @param size the result's length in bytes
 * @param bytes the bytes, or null when they are in the blob store
 */
public record ResultContent(String cid, long size, byte[] bytes) {
  /** Checks that inline bytes are as long as the size says. */
  public ResultContent {
    Objects.requireNonNull(cid, "cid");
    if (bytes != null && bytes.length != size) {
      throw new IllegalArgumentException(
          "a result of " + size + " bytes carries " + bytes.length + " bytes");
    }
  }

  /** {@code bytes}, whose CID is {@code cid}, kept here. */
  public static ResultContent inline(byte[] bytes, String cid) {
    return new ResultContent(cid, bytes.length, bytes);
  }

  /** A result of {@code size} bytes in the blob store as blob {@code cid}. */
  public static ResultContent stored(String cid, long size) {
    return new ResultContent(cid, size, null);
  }

  /** Whether the bytes are in the blob store rather than here. */
  public boolean stored() {
    return bytes == null;
  }

  @Override
  public String toString() {
    return "ResultContent[" + cid + ", " + size + " bytes" + (stored() ? " stored]" : " inline]");
  }
}
