package io.meshwork.orchestrator.membership;

import java.util.Arrays;

/**
 * A join token as the store keeps it: its public id and the hash of its secret, never the secret.
 *
 * @param secretHash SHA-256 of the secret part
 * @param usesLeft how many more joins it admits
 */
public record JoinTokenRecord(
    String id,
    byte[] secretHash,
    long createdAt,
    long expiresAt,
    int uses,
    int usesLeft,
    String description,
    String createdBy) {
  @Override
  public boolean equals(Object o) {
    return o instanceof JoinTokenRecord r
        && id.equals(r.id)
        && Arrays.equals(secretHash, r.secretHash)
        && createdAt == r.createdAt
        && expiresAt == r.expiresAt
        && uses == r.uses
        && usesLeft == r.usesLeft
        && description.equals(r.description)
        && createdBy.equals(r.createdBy);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "JoinTokenRecord[" + id + ", uses left " + usesLeft + "]";
  }
}
