package io.meshwork.receipt.format;

import io.meshwork.identity.Ed25519;
import io.meshwork.identity.ValidatedKeys;
import io.meshwork.mesh.v1.ExecutionReceipt;

/**
 * Checks an execution receipt offline: that it is complete, and that the executor it names signed
 * exactly these fields.
 *
 * <p>It does not check that the CIDs match any bytes or that the executor was assigned the task;
 * those need the data and the job, which the caller has.
 *
 * <p>{@link #verify} is for a receipt now and then. A service that checks receipts continuously
 * holds one {@link #rememberingKeys} instance, which validates each executor's key once instead of
 * once per receipt, and hands back the receipt's leaf bytes so that the receipt is encoded once.
 * Both refuse exactly the same receipts.
 */
public final class ReceiptVerifier {
  /** The receipt encoding version this code reads and writes. */
  public static final int VERSION = 1;

  private static final int SIGNATURE_LENGTH = Ed25519.SIGNATURE_LENGTH;

  private static final ReceiptVerifier ONCE = new ReceiptVerifier(new ValidatedKeys(0));

  private final ValidatedKeys keys;

  private ReceiptVerifier(ValidatedKeys keys) {
    this.keys = keys;
  }

  /**
   * Returns a verifier that remembers the validated keys of up to {@code maxExecutors} executors.
   * It is safe to use from many threads at once.
   */
  public static ReceiptVerifier rememberingKeys(int maxExecutors) {
    if (maxExecutors < 1) {
      throw new IllegalArgumentException("maxExecutors must be at least 1, got " + maxExecutors);
    }
    return new ReceiptVerifier(new ValidatedKeys(maxExecutors));
  }

  /**
   * Checks a receipt.
   *
   * @throws ReceiptException naming the failed check: {@code version}, {@code missing-field},
   *     {@code executor-did}, {@code encoding}, {@code signature-length} or {@code signature}
   */
  public static void verify(ExecutionReceipt r) throws ReceiptException {
    ONCE.verifiedLeaf(r);
  }

  /**
   * Checks a receipt as {@link #verify} does and returns its leaf bytes ({@link
   * ReceiptCodec#leafBytes}), from the one encoding that the signature was checked against.
   *
   * @throws ReceiptException naming the failed check, as {@link #verify}
   */
  public byte[] verifiedLeaf(ExecutionReceipt r) throws ReceiptException {
    if (r.getVersion() != VERSION) {
      throw new ReceiptException(
          "version", "The receipt has version " + r.getVersion() + "; only version 1 is known.");
    }
    requireField("task_id", r.getTaskId());
    requireField("executor_did", r.getExecutorDid());
    requireField("module_cid", r.getModuleCid());
    requireField("input_cid", r.getInputCid());
    requireField("output_cid", r.getOutputCid());
    requireField("engine", r.getEngine());
    ValidatedKeys.Key key;
    try {
      key = keys.forDid(r.getExecutorDid());
    } catch (IllegalArgumentException e) {
      throw new ReceiptException(
          "executor-did", "The receipt's executor_did is not usable: " + e.getMessage() + ".");
    }
    int signatureLength = r.getSignature().size();
    if (signatureLength != SIGNATURE_LENGTH) {
      throw new ReceiptException(
          "signature-length", "The receipt's signature has " + signatureLength + " bytes, not 64.");
    }
    byte[] leaf;
    try {
      leaf = ReceiptCodec.leafBytes(r);
    } catch (IllegalArgumentException e) {
      throw new ReceiptException("encoding", "The receipt cannot be encoded: " + e.getMessage());
    }
    // The leaf is the signed bytes followed by the signature, so both are checked in place.
    int signedLength = leaf.length - SIGNATURE_LENGTH;
    if (key == null || !key.verify(leaf, signedLength, leaf, signedLength)) {
      throw new ReceiptException(
          "signature", "The receipt's signature does not verify under its executor_did.");
    }
    return leaf;
  }

  private static void requireField(String name, String value) throws ReceiptException {
    if (value.isEmpty()) {
      throw new ReceiptException(
          "missing-field", "The receipt has no " + name + ", which is required.");
    }
  }
}
