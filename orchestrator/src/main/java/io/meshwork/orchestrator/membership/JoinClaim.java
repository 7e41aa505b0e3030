package io.meshwork.orchestrator.membership;

import java.util.Arrays;

/**
 * What a joining executor presents.
 *
 * @param callerDid the DID that authenticated the Join call
 * @param joinToken empty when none was given
 * @param certificateRequest PEM, empty when the executor has its own certificate
 */
public record JoinClaim(
    String callerDid,
    String executorDid,
    byte[] challenge,
    String endpoint,
    MemberLoad load,
    String engineVersion,
    String joinToken,
    String certificateRequest,
    byte[] signature) {
  @Override
  public boolean equals(Object o) {
    return o instanceof JoinClaim c
        && callerDid.equals(c.callerDid)
        && executorDid.equals(c.executorDid)
        && Arrays.equals(challenge, c.challenge)
        && endpoint.equals(c.endpoint)
        && Arrays.equals(signature, c.signature);
  }

  @Override
  public int hashCode() {
    return executorDid.hashCode() * 31 + Arrays.hashCode(challenge);
  }

  @Override
  public String toString() {
    return "JoinClaim[" + executorDid + " at " + endpoint + "]";
  }
}
