package io.meshwork.identity;

/**
 * Converts between Ed25519 public keys and their {@code did:key} identifiers.
 *
 * <p>A Meshwork identity is {@code did:key:z} followed by the base58btc encoding of the multicodec
 * prefix {@code 0xed 0x01} (ed25519-pub) and the 32-byte key, so every DID starts {@code
 * did:key:z6Mk}.
 */
public final class DidKey {
  private static final String PREFIX = "did:key:";
  private static final int KEY_LENGTH = 32;

  private DidKey() {}

  /** Returns the {@code did:key} of a 32-byte Ed25519 public key. */
  public static String fromPublicKey(byte[] ed25519Pub32) {
    if (ed25519Pub32 == null || ed25519Pub32.length != KEY_LENGTH) {
      throw new IllegalArgumentException(
          "an Ed25519 public key has 32 bytes, got "
              + (ed25519Pub32 == null ? "null" : ed25519Pub32.length));
    }
    byte[] prefixed = new byte[2 + KEY_LENGTH];
    prefixed[0] = (byte) 0xed;
    prefixed[1] = 0x01;
    System.arraycopy(ed25519Pub32, 0, prefixed, 2, KEY_LENGTH);
    return PREFIX + "z" + Base58.encode(prefixed);
  }

  /**
   * Returns the 32-byte Ed25519 public key inside a {@code did:key}.
   *
   * @throws IllegalArgumentException naming the problem: not a did:key, not base58btc, not an
   *     Ed25519 key, or the wrong key length
   */
  public static byte[] publicKey(String did) {
    if (did == null || !did.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a did:key: expected the prefix 'did:key:'");
    }
    String multibase = did.substring(PREFIX.length());
    if (multibase.isEmpty() || multibase.charAt(0) != 'z') {
      throw new IllegalArgumentException(
          "did:key is not base58btc: the key part must start with 'z'");
    }
    byte[] bytes;
    try {
      bytes = Base58.decode(multibase.substring(1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("did:key is not valid base58btc: " + e.getMessage(), e);
    }
    if (bytes.length < 2 || (bytes[0] & 0xff) != 0xed || bytes[1] != 0x01) {
      throw new IllegalArgumentException(
          "did:key has the wrong multicodec: expected ed25519-pub (0xed 0x01)");
    }
    if (bytes.length != 2 + KEY_LENGTH) {
      throw new IllegalArgumentException(
          "did:key has the wrong key length: expected 32 bytes, got " + (bytes.length - 2));
    }
    byte[] key = new byte[KEY_LENGTH];
    System.arraycopy(bytes, 2, key, 0, KEY_LENGTH);
    return key;
  }

  /** Tells whether a string is a well-formed Ed25519 {@code did:key}. */
  public static boolean isDidKey(String did) {
    try {
      publicKey(did);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
