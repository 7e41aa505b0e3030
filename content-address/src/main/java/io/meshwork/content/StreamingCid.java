package io.meshwork.content;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * The CID of bytes that arrive in pieces, such as an upload or a download: feed the bytes in order
 * with {@link #update}, then read {@link #cid()}.
 *
 * <p>Its progress can be saved and taken up again, in another process if need be: {@link #state()}
 * is a small byte string (under 200 bytes) from which {@link #resume} continues exactly where it
 * was. A resumable upload keeps it next to the offset it acknowledged, so the hash never has to be
 * computed again over bytes already received. The JDK's {@code MessageDigest} cannot export its
 * state, so the SHA-256 here is Bouncy Castle's, which can.
 *
 * <p>Not thread-safe: one stream, one caller.
 */
public final class StreamingCid {
  // The layout of state(): this version byte, the length so far (8 bytes, big-endian), then Bouncy
  // Castle's encoded SHA-256 state. The version lets a later layout be told apart from this one.
  private static final byte STATE_VERSION = 1;
  private static final int HEADER = 1 + Long.BYTES;

  private final SHA256Digest digest;
  private long length;

  /** Starts over no bytes. */
  public StreamingCid() {
    this(new SHA256Digest(), 0);
  }

  private StreamingCid(SHA256Digest digest, long length) {
    this.digest = digest;
    this.length = length;
  }

  /**
   * Continues from a state {@link #state()} returned.
   *
   * @throws IllegalArgumentException if {@code state} is not such a state
   */
  public static StreamingCid resume(byte[] state) {
    if (state == null || state.length <= HEADER || state[0] != STATE_VERSION) {
      throw new IllegalArgumentException("not a saved StreamingCid state");
    }
    long length = ByteBuffer.wrap(state, 1, Long.BYTES).getLong();
    if (length < 0) {
      throw new IllegalArgumentException("a saved StreamingCid state has a negative length");
    }
    SHA256Digest digest;
    try {
      digest = new SHA256Digest(Arrays.copyOfRange(state, HEADER, state.length));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a saved StreamingCid state: " + e.getMessage(), e);
    }
    return new StreamingCid(digest, length);
  }

  /** Adds {@code length} bytes of {@code data} from {@code offset}. */
  public StreamingCid update(byte[] data, int offset, int length) {
    digest.update(data, offset, length);
    this.length += length;
    return this;
  }

  /** Adds the remaining bytes of {@code data}, leaving its position at its limit. */
  public StreamingCid update(ByteBuffer data) {
    int n = data.remaining();
    if (data.hasArray()) {
      digest.update(data.array(), data.arrayOffset() + data.position(), n);
      data.position(data.limit());
    } else {
      byte[] chunk = new byte[Math.min(n, 8192)];
      while (data.hasRemaining()) {
        int take = Math.min(chunk.length, data.remaining());
        data.get(chunk, 0, take);
        digest.update(chunk, 0, take);
      }
    }
    length += n;
    return this;
  }

  /** How many bytes have been added. */
  public long length() {
    return length;
  }

  /** The progress so far, for {@link #resume}. */
  public byte[] state() {
    byte[] inner = digest.getEncodedState();
    return ByteBuffer.allocate(HEADER + inner.length)
        .put(STATE_VERSION)
        .putLong(length)
        .put(inner)
        .array();
  }

  /** The CID of the bytes added so far; more may be added afterwards. */
  public String cid() {
    SHA256Digest copy = new SHA256Digest(digest);
    byte[] out = new byte[Multihash.DIGEST_LENGTH];
    copy.doFinal(out, 0);
    return Cid.ofDigest(out);
  }
}
