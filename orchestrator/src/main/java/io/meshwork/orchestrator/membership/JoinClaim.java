package io.meshwork.orchestrator.membership;

import java.nio.charset.StandardCharsets;
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
  private static final byte[] LABEL = "meshwork-join-v1".getBytes(StandardCharsets.UTF_8);

  /**
   * The bytes the executor signs: the label, the orchestrator's DID, its own DID and its endpoint,
   * each followed by a zero byte, then the challenge. Naming the orchestrator keeps a signature
   * from being replayed at another orchestrator; the endpoint, from being moved to another address.
   */
  public static byte[] signedBytes(
      String orchestratorDid, String executorDid, String endpoint, byte[] challenge) {
    byte[][] parts = {
      LABEL,
      orchestratorDid.getBytes(StandardCharsets.UTF_8),
      executorDid.getBytes(StandardCharsets.UTF_8),
      endpoint.getBytes(StandardCharsets.UTF_8)
    };
    int size = challenge.length;
    for (byte[] p : parts) {
      size += p.length + 1;
    }
    byte[] out = new byte[size];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length + 1;
    }
    System.arraycopy(challenge, 0, out, at, challenge.length);
    return out;
  }

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
