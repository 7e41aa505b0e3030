package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Receipt;
import java.util.List;

/** Port: the receipt log as the orchestrator uses it: anchor receipts, learn where they landed. */
public interface ReceiptLog {
  /**
   * Anchors receipts (idempotently) and returns where each landed, in order; fails with an
   * UNAVAILABLE {@code MeshException} when the log cannot be reached.
   */
  List<Anchored> anchor(List<Receipt> receipts);

  /** A receipt's place in the log: its CID and its index. */
  record Anchored(String receiptCid, long logIndex) {}
}
