package io.meshwork.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What an executor signs to join an orchestrator (docs/MEMBERSHIP.md): both sides build the same
 * bytes from here, the joiner to sign them and the orchestrator to check them.
 */
public final class JoinSignature {
  /** The context string the signed bytes begin with. */
  public static final String CONTEXT = "meshwork-join-v1";

  private JoinSignature() {}

  /**
   * The UTF-8 of {@value #CONTEXT}, the orchestrator's DID, the executor's DID and the endpoint,
   * each followed by a zero byte, then the raw challenge. Naming the orchestrator keeps a signature
   * from being replayed at another one, the endpoint from being moved to another address, and the
   * challenge (one use) from being replayed at all.
   */
  public static byte[] bytes(
      String orchestratorDid, String executorDid, String endpoint, byte[] challenge) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String part : new String[] {CONTEXT, orchestratorDid, executorDid, endpoint}) {
      out.writeBytes(part.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    out.writeBytes(challenge);
    return out.toByteArray();
  }
}
