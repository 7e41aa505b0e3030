package io.meshwork.content;

import java.security.MessageDigest;

/**
 * Content identifiers for bytes: CIDv1 with the raw codec ({@code 0x55}) and a sha2-256 multihash,
 * written in lower-case base32 ({@code b...}), as IPFS does for raw blocks.
 *
 * <p>Modules, inputs, outputs and receipts are all named this way, so anyone holding the bytes can
 * check a name without trusting whoever gave it.
 */
public final class Cid {
  private static final int VERSION = 0x01;
  private static final int RAW_CODEC = 0x55;

  private Cid() {}

  /** Returns the CID of {@code data}. */
  public static String of(byte[] data) {
    return ofDigest(Multihash.sha256Digest(data));
  }

  /** Returns the CID for a 32-byte SHA-256 digest computed elsewhere (for example, streaming). */
  public static String ofDigest(byte[] sha256Digest) {
    if (sha256Digest.length != Multihash.DIGEST_LENGTH) {
      throw new IllegalArgumentException(
          "a SHA-256 digest has 32 bytes, got " + sha256Digest.length);
    }
    byte[] bytes = new byte[2 + 2 + Multihash.DIGEST_LENGTH];
    bytes[0] = VERSION;
    bytes[1] = RAW_CODEC;
    System.arraycopy(Multihash.wrap(sha256Digest), 0, bytes, 2, 2 + Multihash.DIGEST_LENGTH);
    return "b" + Base32.encode(bytes);
  }

  /**
   * Returns the SHA-256 digest named by a CID.
   *
   * @throws IllegalArgumentException naming the problem: not base32 {@code b}, wrong version, wrong
   *     codec, wrong hash function or wrong length
   */
  public static byte[] digest(String cid) {
    if (cid == null || cid.isEmpty() || cid.charAt(0) != 'b') {
      throw new IllegalArgumentException("CID is not lower-case base32: it must start with 'b'");
    }
    byte[] bytes;
    try {
      bytes = Base32.decode(cid.substring(1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("CID is not valid base32: " + e.getMessage(), e);
    }
    if (bytes.length < 2 || bytes[0] != VERSION) {
      throw new IllegalArgumentException(
          "CID version is not 1"
              + (bytes.length > 0 ? String.format(" (found 0x%02x)", bytes[0] & 0xff) : ""));
    }
    if ((bytes[1] & 0xff) != RAW_CODEC) {
      throw new IllegalArgumentException(
          String.format("CID codec is 0x%02x, not raw (0x55)", bytes[1] & 0xff));
    }
    byte[] multihash = new byte[bytes.length - 2];
    System.arraycopy(bytes, 2, multihash, 0, multihash.length);
    try {
      return Multihash.digestOf(multihash);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("CID hash: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code cid} is a CID in its one canonical spelling (CIDv1, raw, sha2-256,
   * lower-case base32 {@code b...}): stores use CIDs as file names and keys, so no other spelling
   * is accepted.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static void requireCanonical(String cid) {
    byte[] digest = digest(cid);
    if (!ofDigest(digest).equals(cid)) {
      throw new IllegalArgumentException("CID is not in canonical form (lower-case base32, b...)");
    }
  }

  /** Tells whether {@code cid} is a valid CID naming exactly {@code data}; false for a bad CID. */
  public static boolean matches(String cid, byte[] data) {
    byte[] expected;
    try {
      expected = digest(cid);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(expected, Multihash.sha256Digest(data));
  }
}
