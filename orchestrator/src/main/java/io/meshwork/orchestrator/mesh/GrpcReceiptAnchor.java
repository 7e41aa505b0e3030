package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.runtime.errors.MeshException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@link ReceiptAnchor} over the receipt service's gRPC API. */
public final class GrpcReceiptAnchor implements ReceiptAnchor {
  private final ReceiptServiceGrpc.ReceiptServiceBlockingStub receipts;

  /** Calls the receipt service on {@code channel}, signing as the orchestrator. */
  public GrpcReceiptAnchor(Channel channel, CallCredentials credentials) {
    this.receipts = ReceiptServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  @Override
  public List<ExecutionReceiptAvailableV1> anchor(List<ExecutionReceipt> batch) {
    try {
      return receipts
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .anchorReceipts(AnchorReceiptsRequest.newBuilder().addAllReceipts(batch).build())
          .getAnchoredList();
    } catch (StatusRuntimeException e) {
      throw MeshException.unavailable(
          "RECEIPT_LOG_UNAVAILABLE", "anchoring receipts failed: " + e.getStatus(), e);
    }
  }
}
