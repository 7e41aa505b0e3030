package io.meshwork.content;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * The CID of bytes that arrive in pieces, hashed by the JDK's SHA-256 (which uses the CPU's SHA
 * instructions where it has them, several times faster than a pure-Java digest). Unlike {@link
 * StreamingCid} its state cannot be saved and resumed; use it wherever the bytes are hashed in one
 * go (a chunk read from a store or downloaded), and {@link StreamingCid} for resumable uploads.
 */
public final class CidDigest {
  private final MessageDigest digest = Multihash.newSha256();
  private long length;

  /** Adds {@code length} bytes of {@code data} from {@code offset}. */
  public CidDigest update(byte[] data, int offset, int length) {
    digest.update(data, offset, length);
    this.length += length;
    return this;
  }

  /** Adds the remaining bytes of {@code data}, leaving its position at its limit. */
  public CidDigest update(ByteBuffer data) {
    length += data.remaining();
    digest.update(data);
    return this;
  }

  /** How many bytes were added. */
  public long length() {
    return length;
  }

  /** The CID of the bytes added; the digest is spent afterwards. */
  public String cid() {
    return Cid.ofDigest(digest.digest());
  }
}
