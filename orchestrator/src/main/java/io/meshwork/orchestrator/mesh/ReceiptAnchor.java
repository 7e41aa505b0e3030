package io.meshwork.orchestrator.mesh;

import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import java.util.List;

/** The receipt log as the orchestrator uses it: anchor receipts, get their CIDs and indices. */
public interface ReceiptAnchor {
  /** Anchors receipts (idempotently) and returns one announcement per receipt, in order. */
  List<ExecutionReceiptAvailableV1> anchor(List<ExecutionReceipt> receipts);
}
