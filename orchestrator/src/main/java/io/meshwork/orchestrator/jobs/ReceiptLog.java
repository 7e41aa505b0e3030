package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Receipt;
import java.util.List;

/**
 * Port: the receipt log as the orchestrator uses it: anchor receipts and the statements of its
 * jobs' results, learn where they landed.
 */
public interface ReceiptLog {
  /**
   * Anchors receipts (idempotently) and returns where each landed, in order; fails with an
   * UNAVAILABLE {@code MeshException} when the log cannot be reached.
   */
  List<Anchored> anchor(List<Receipt> receipts);

  /**
   * Signs a job's statement with this orchestrator's key and anchors it. Anchoring is idempotent: a
   * statement holds no time, so issuing the same job's statement again anchors the same leaf. Fails
   * with an UNAVAILABLE {@code MeshException} when the log cannot be reached.
   */
  AnchoredStatement anchorStatement(UnsignedJobStatement statement);

  /** A receipt's place in the log: its CID and its index. */
  record Anchored(String receiptCid, long logIndex) {}

  /**
   * A job statement's place in the log.
   *
   * @param cid the CID of the statement's leaf bytes
   * @param proofBundle its C2SP tlog-proof bundle, with the leaf bytes as extra data: the signed
   *     statement and its inclusion proof against a signed checkpoint, checkable offline
   */
  record AnchoredStatement(String cid, long logIndex, String proofBundle) {}
}
