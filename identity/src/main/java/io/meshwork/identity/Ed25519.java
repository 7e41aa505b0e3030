package io.meshwork.identity;

/**
 * Checks Ed25519 signatures (RFC 8032) with Bouncy Castle, answering yes or no and never throwing.
 *
 * <p>Verification is strict: besides a bad signature it refuses a key that is not a valid point of
 * prime order (small-order keys let one signature verify for many messages) and a signature whose
 * scalar is not reduced, so every message has at most one accepted encoding per key.
 */
public final class Ed25519 {
  /** Bytes in a public key. */
  public static final int PUBLIC_KEY_LENGTH = 32;

  /** Bytes in a signature. */
  public static final int SIGNATURE_LENGTH = 64;

  private Ed25519() {}

  /** Tells whether {@code signature} is a valid Ed25519 signature of {@code message}. */
  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey == null
        || message == null
        || signature == null
        || publicKey.length != PUBLIC_KEY_LENGTH
        || signature.length != SIGNATURE_LENGTH) {
      return false;
    }
    try {
      // The full check rejects non-canonical encodings, points off the curve and small-order
      // points; the exported point also spares verify() a second decoding.
      var point =
          org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(publicKey, 0);
      if (point == null) {
        return false;
      }
      return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
          signature, 0, point, message, 0, message.length);
    } catch (RuntimeException e) {
      // Bouncy Castle signals some malformed inputs by throwing; to callers they are just invalid.
      return false;
    }
  }
}
