package io.meshwork.client;

import java.time.Instant;
import java.util.Objects;

/**
 * A join token an orchestrator made ({@link MeshClient#createJoinToken}): an executor presents it
 * to join ({@code meshwork serve executor --join-token}). The orchestrator keeps only its hash, so
 * this is the one time the secret is seen.
 *
 * @param token the secret to hand to the executor
 * @param id its public id, which the orchestrator's membership history names
 * @param expiresAt when it stops admitting joins
 * @param uses how many joins it admits
 */
public record JoinToken(String token, String id, Instant expiresAt, int uses) {
  /** Checks the fields. */
  public JoinToken {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** Leaves the secret out, so that a token logged by accident does not leak. */
  @Override
  public String toString() {
    return "JoinToken[id=" + id + ", expiresAt=" + expiresAt + ", uses=" + uses + "]";
  }
}
