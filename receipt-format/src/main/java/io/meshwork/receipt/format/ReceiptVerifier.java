package io.meshwork.receipt.format;

import io.meshwork.identity.DidKey;
import io.meshwork.identity.Ed25519;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks an execution receipt offline: that it is complete, and that the executor it names signed
 * exactly these fields.
 *
 * <p>It does not check that the CIDs match any bytes or that the executor was assigned the task;
 * those need the data and the job, which the caller has.
 */
public final class ReceiptVerifier {
  /** The receipt encoding version this code reads and writes. */
  public static final int VERSION = 1;

  private ReceiptVerifier() {}

  /**
   * Checks a receipt.
   *
   * @throws ReceiptException naming the failed check: {@code version}, {@code missing-field},
   *     {@code executor-did}, {@code encoding}, {@code signature-length} or {@code signature}
   */
  public static void verify(ExecutionReceipt r) throws ReceiptException {
    if (r.getVersion() != VERSION) {
      throw new ReceiptException(
          "version", "The receipt has version " + r.getVersion() + "; only version 1 is known.");
    }
    Map<String, String> required = new LinkedHashMap<>();
    required.put("task_id", r.getTaskId());
    required.put("executor_did", r.getExecutorDid());
    required.put("module_cid", r.getModuleCid());
    required.put("input_cid", r.getInputCid());
    required.put("output_cid", r.getOutputCid());
    required.put("engine", r.getEngine());
    for (var field : required.entrySet()) {
      if (field.getValue().isEmpty()) {
        throw new ReceiptException(
            "missing-field", "The receipt has no " + field.getKey() + ", which is required.");
      }
    }
    byte[] publicKey;
    try {
      publicKey = DidKey.publicKey(r.getExecutorDid());
    } catch (IllegalArgumentException e) {
      throw new ReceiptException(
          "executor-did", "The receipt's executor_did is not usable: " + e.getMessage() + ".");
    }
    byte[] signature = r.getSignature().toByteArray();
    if (signature.length != Ed25519.SIGNATURE_LENGTH) {
      throw new ReceiptException(
          "signature-length",
          "The receipt's signature has " + signature.length + " bytes, not 64.");
    }
    byte[] signed;
    try {
      signed = ReceiptCodec.signedBytes(r);
    } catch (IllegalArgumentException e) {
      throw new ReceiptException("encoding", "The receipt cannot be encoded: " + e.getMessage());
    }
    if (!Ed25519.verify(publicKey, signed, signature)) {
      throw new ReceiptException(
          "signature", "The receipt's signature does not verify under its executor_did.");
    }
  }
}
