package io.meshwork.receipt.format;

import io.meshwork.identity.DidKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The executors' Ed25519 public keys, decoded from their {@code did:key} and validated strictly,
 * each at most once while it is remembered.
 *
 * <p>Strict validation (a canonical encoding of a point on the curve, of prime order, so not one of
 * the small-order points that would let one signature verify for many messages) costs about as much
 * as a signature verification. A mesh has few executors and each signs many receipts, so a service
 * that checks receipts continuously keeps the validated points; a signature check then costs one
 * verification against an already decoded point. Only keys that passed are kept: an invalid key is
 * validated again, and refused again, every time it is used.
 *
 * <p>The checks are Bouncy Castle's {@code validatePublicKeyFullExport} and its {@code verify}
 * against the exported point, which are also what {@code io.meshwork.identity.Ed25519} runs on
 * every call; remembering the point does not change which receipts pass.
 */
final class ExecutorKeys {
  private final int capacity;
  private final ConcurrentMap<String, Ed25519.PublicPoint> validated = new ConcurrentHashMap<>();

  /** Keeps up to {@code capacity} validated keys; 0 validates every key on every use. */
  ExecutorKeys(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Returns the validated public point of {@code did}, or {@code null} if its key is not a valid
   * Ed25519 point of prime order (no signature can then verify).
   *
   * @throws ReceiptException {@code executor-did} if {@code did} is not an Ed25519 did:key
   */
  Ed25519.PublicPoint publicPoint(String did) throws ReceiptException {
    Ed25519.PublicPoint point = validated.get(did);
    if (point != null) {
      return point;
    }
    byte[] key;
    try {
      key = DidKey.publicKey(did);
    } catch (IllegalArgumentException e) {
      throw new ReceiptException(
          "executor-did", "The receipt's executor_did is not usable: " + e.getMessage() + ".");
    }
    try {
      point = Ed25519.validatePublicKeyFullExport(key, 0);
    } catch (RuntimeException e) {
      // Bouncy Castle signals some malformed inputs by throwing; they are just invalid keys.
      return null;
    }
    if (point != null && capacity > 0) {
      if (validated.size() >= capacity) {
        // More distinct executors than a mesh has: start over rather than grow without bound.
        validated.clear();
      }
      validated.put(did, point);
    }
    return point;
  }

  /**
   * Tells whether {@code message[0, length)} has the signature {@code signature[offset, offset +
   * 64)} under {@code point}. Bouncy Castle refuses a signature whose scalar is not below the group
   * order or whose R is not a canonical encoding.
   */
  static boolean verify(
      Ed25519.PublicPoint point, byte[] signature, int offset, byte[] message, int length) {
    try {
      return Ed25519.verify(signature, offset, point, message, 0, length);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
