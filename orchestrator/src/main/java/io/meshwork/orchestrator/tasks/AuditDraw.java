package io.meshwork.orchestrator.tasks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decides which results sample verification audits: an HMAC-SHA-256 of the task id under a secret
 * only this orchestrator holds, read as a number in [0, 1) and compared with the audit rate.
 *
 * <p>An executor sees the task id but not the key, so it cannot tell which of its results will be
 * checked; the orchestrator draws the same after a restart, and so does a replica that takes over
 * with the same identity, because the key is derived from that identity.
 */
public final class AuditDraw {
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  /** Draws under {@code secret}, at least 32 bytes that nobody outside this orchestrator knows. */
  public AuditDraw(byte[] secret) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("an audit key needs 32 bytes, got " + secret.length);
    }
    this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
  }

  /** Whether {@code taskId} is audited at {@code rate}. */
  public boolean audits(String taskId, double rate) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      byte[] h = mac.doFinal(taskId.getBytes(StandardCharsets.UTF_8));
      // The top 53 bits as a double in [0, 1): every value equally likely.
      double u = (ByteBuffer.wrap(h).getLong() >>> 11) * 0x1.0p-53;
      return u < rate;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA-256 is part of every JDK", e);
    }
  }
}
