package io.meshwork.receiptlog.grpc;

import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Role;

/**
 * Who may call the receipt log ({@code meshwork.receipt.v1.ReceiptService}), as docs/AUTH.md lists
 * it: anchoring and reporting their members for the orchestrators the log works for, every read
 * public. Whose receipts are taken (executors that are members) is the log's own check.
 */
public final class ReceiptAccess {
  /** The roles allowed per RPC. */
  public static final AccessTable TABLE =
      AccessTable.forService(ReceiptServiceGrpc.getServiceDescriptor())
          .servedBy(Role.RECEIPT_LOG)
          .allow("AnchorReceipts", Role.ORCHESTRATOR)
          // The caller's list vouches only for receipts that same caller anchors.
          .allow("SyncMembers", Role.ORCHESTRATOR)
          // An orchestrator's statement of its own job's result; the log checks it signed it.
          .allow("AnchorJobStatement", Role.ORCHESTRATOR)
          // Third parties check receipts: they need no account in the mesh, so no token.
          .allowPublic("GetReceipt")
          .allowPublic("GetCheckpoint")
          .allowPublic("GetInclusionProof")
          .allowPublic("GetConsistencyProof")
          .allowPublic("ListReceiptsByJob")
          .allowPublic("GetLeaves")
          .build();

  private ReceiptAccess() {}
}
