package io.meshwork.identity;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Ed25519 public keys taken from {@code did:key} identifiers, decoded and validated strictly at
 * most once each while remembered, for verifiers that see the same signers again and again (a
 * server's callers, a log's executors).
 *
 * <p>Strict validation (a canonical encoding of a point on the curve, of prime order, so not one of
 * the small-order points that would let one signature verify for many messages) costs about as much
 * as a signature check, and decoding the did:key's base58 adds to it. With the validated point
 * kept, a signature check is one verification against an already decoded point. Only keys that
 * passed are kept: an invalid key is validated again, and refused again, every time it is used. The
 * checks are exactly those of {@link Ed25519#verify}, so remembering a key never changes what
 * passes.
 *
 * <p>Thread-safe. When more distinct keys than the capacity are in use, the memory starts over
 * rather than growing without bound: correctness never depends on it, only speed.
 */
public final class ValidatedKeys {
  private final int capacity;
  private final ConcurrentMap<String, Key> validated = new ConcurrentHashMap<>();

  /** A public key that passed strict validation, ready to check signatures. */
  public static final class Key {
    private final org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point;

    private Key(org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point) {
      this.point = point;
    }

    /**
     * Tells whether {@code signature[signatureOffset, +64)} is a valid signature of {@code
     * message[0, messageLength)}; a signature whose scalar is not reduced or whose R is not a
     * canonical encoding is refused.
     */
    public boolean verify(
        byte[] signature, int signatureOffset, byte[] message, int messageLength) {
      if (signature == null
          || message == null
          || signatureOffset < 0
          || signature.length - signatureOffset < Ed25519.SIGNATURE_LENGTH
          || messageLength < 0
          || messageLength > message.length) {
        return false;
      }
      try {
        return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
            signature, signatureOffset, point, message, 0, messageLength);
      } catch (RuntimeException e) {
        // Bouncy Castle signals some malformed inputs by throwing; they are just invalid.
        return false;
      }
    }
  }

  /** Remembers up to {@code capacity} validated keys; 0 validates every key on every use. */
  public ValidatedKeys(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * The validated key of {@code did}, or {@code null} if its key is not a valid Ed25519 point of
   * prime order (no signature can then verify).
   *
   * @throws IllegalArgumentException if {@code did} is not an Ed25519 did:key, saying why
   */
  public Key forDid(String did) {
    Key key = validated.get(did);
    if (key != null) {
      return key;
    }
    byte[] raw = DidKey.publicKey(did);
    org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point;
    try {
      point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(raw, 0);
    } catch (RuntimeException e) {
      return null;
    }
    if (point == null) {
      return null;
    }
    key = new Key(point);
    if (capacity > 0) {
      if (validated.size() >= capacity) {
        validated.clear();
      }
      validated.put(did, key);
    }
    return key;
  }
}
