package io.meshwork.content;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * SHA-256 digests in the self-describing multihash format: {@code 0x12} (sha2-256), {@code 0x20}
 * (32 bytes), then the digest.
 */
public final class Multihash {
  /** The multihash code of sha2-256. */
  public static final int SHA2_256 = 0x12;

  /** Bytes in a SHA-256 digest. */
  public static final int DIGEST_LENGTH = 32;

  private Multihash() {}

  /** Returns the sha2-256 multihash of {@code data} (34 bytes). */
  public static byte[] sha256(byte[] data) {
    return wrap(sha256Digest(data));
  }

  /** Returns the raw 32-byte SHA-256 digest of {@code data}. */
  public static byte[] sha256Digest(byte[] data) {
    return newSha256().digest(data);
  }

  /**
   * Returns the digest inside a sha2-256 multihash.
   *
   * @throws IllegalArgumentException if the hash function is not sha2-256 or the length is wrong
   */
  public static byte[] digestOf(byte[] multihash) {
    if (multihash.length < 2) {
      throw new IllegalArgumentException(
          "multihash too short: " + multihash.length + " bytes, need code and length");
    }
    if ((multihash[0] & 0xff) != SHA2_256) {
      throw new IllegalArgumentException(
          String.format(
              "unsupported multihash code 0x%02x: only sha2-256 (0x12) is accepted",
              multihash[0] & 0xff));
    }
    if ((multihash[1] & 0xff) != DIGEST_LENGTH) {
      throw new IllegalArgumentException(
          "sha2-256 multihash declares a digest length of "
              + (multihash[1] & 0xff)
              + " bytes, not 32");
    }
    if (multihash.length != 2 + DIGEST_LENGTH) {
      throw new IllegalArgumentException(
          "sha2-256 multihash has "
              + (multihash.length - 2)
              + " digest bytes, not the declared 32");
    }
    return Arrays.copyOfRange(multihash, 2, multihash.length);
  }

  static byte[] wrap(byte[] digest) {
    byte[] out = new byte[2 + DIGEST_LENGTH];
    out[0] = SHA2_256;
    out[1] = DIGEST_LENGTH;
    System.arraycopy(digest, 0, out, 2, DIGEST_LENGTH);
    return out;
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
