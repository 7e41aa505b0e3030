package io.meshwork.receipt.format;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A C2SP signed-note verifier key taken apart: the key's name, its 4-byte key hash and the 32-byte
 * Ed25519 public key.
 *
 * @param name the key name, usually the log origin
 * @param keyHash the first 4 bytes of SHA-256(name || 0x0A || 0x01 || publicKey)
 * @param publicKey the Ed25519 public key
 */
public record ParsedVerifierKey(String name, byte[] keyHash, byte[] publicKey) {
  /** Copies the arrays so that the record stays immutable. */
  public ParsedVerifierKey {
    keyHash = keyHash.clone();
    publicKey = publicKey.clone();
  }

  /** Returns a copy of the key hash. */
  @Override
  public byte[] keyHash() {
    return keyHash.clone();
  }

  /** Returns a copy of the public key. */
  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ParsedVerifierKey that
        && name.equals(that.name)
        && Arrays.equals(keyHash, that.keyHash)
        && Arrays.equals(publicKey, that.publicKey);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(publicKey);
  }

  @Override
  public String toString() {
    return SignedNote.verifierKey(name, publicKey)
        + " (key hash "
        + HexFormat.of().formatHex(keyHash)
        + ")";
  }
}
