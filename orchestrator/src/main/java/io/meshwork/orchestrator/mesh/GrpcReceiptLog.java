package io.meshwork.orchestrator.mesh;

import com.google.protobuf.ByteString;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.orchestrator.jobs.ReceiptLog;
import io.meshwork.orchestrator.jobs.UnsignedJobStatement;
import io.meshwork.orchestrator.membership.MemberPeriod;
import io.meshwork.orchestrator.membership.MemberPorts;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.wire.StatementMessages;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.receipt.v1.AnchorJobStatementRequest;
import io.meshwork.receipt.v1.AnchorJobStatementResponse;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receipt.v1.SyncMembersRequest;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.tracing.Spans;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * {@link ReceiptLog} over the receipt service's gRPC API.
 *
 * <p>Receipts that several tasks anchor at the same time travel together in one {@code
 * AnchorReceipts} call (see {@link MicroBatcher}). The log takes a call all or nothing, so when it
 * refuses a batch of several, each receipt is sent again on its own: a bad receipt fails only the
 * task it belongs to, and anchoring is idempotent, so the good ones simply keep their place.
 */
public final class GrpcReceiptLog implements ReceiptLog, MemberPorts.ReceiptMembers {
  /** Receipts per call; the log accepts up to 1000. */
  static final int MAX_BATCH = 256;

  private static final long SYNC_DEADLINE_SECONDS = 5;

  /** Calls out at once before further receipts wait to go in one batch. */
  static final int MAX_IN_FLIGHT = 2;

  private static final long STATEMENT_DEADLINE_SECONDS = 30;

  private final ReceiptServiceGrpc.ReceiptServiceBlockingStub receipts;
  private final MicroBatcher<ExecutionReceipt, ExecutionReceiptAvailableV1> batches;
  private final Identity self;

  /**
   * Calls the receipt service on {@code channel}, authenticating and signing job statements as the
   * orchestrator {@code self}.
   */
  public GrpcReceiptLog(Channel channel, CallCredentials credentials, Identity self) {
    this(channel, credentials, self, MAX_BATCH, MAX_IN_FLIGHT);
  }

  /** As above, with the largest batch and the number of calls out at once. */
  GrpcReceiptLog(
      Channel channel, CallCredentials credentials, Identity self, int maxBatch, int maxInFlight) {
    // Wait-for-ready: a receipt log that is starting, or restarting, is waited for up to each
    // call's deadline, instead of failing the call at once with the connection's last error.
    this.receipts =
        ReceiptServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(credentials)
            .withWaitForReady();
    this.batches = new MicroBatcher<>(this::anchorBatch, maxBatch, maxInFlight);
    this.self = self;
  }

  @Override
  public AnchoredStatement anchorStatement(UnsignedJobStatement statement) {
    byte[] leaf = StatementMessages.signed(statement, self).leafBytes();
    try {
      AnchorJobStatementResponse anchored =
          receipts
              .withDeadlineAfter(STATEMENT_DEADLINE_SECONDS, TimeUnit.SECONDS)
              .anchorJobStatement(
                  AnchorJobStatementRequest.newBuilder()
                      .setStatement(ByteString.copyFrom(leaf))
                      .build());
      return new AnchoredStatement(
          anchored.getCid(), anchored.getLogIndex(), anchored.getProofBundle());
    } catch (StatusRuntimeException e) {
      throw MeshException.unavailable(
          "RECEIPT_LOG_UNAVAILABLE", "anchoring the job statement failed: " + e.getStatus(), e);
    }
  }

  @Override
  public void publish(List<MemberPeriod> members, long version) {
    SyncMembersRequest.Builder request = SyncMembersRequest.newBuilder().setVersion(version);
    for (MemberPeriod m : members) {
      request.addMembers(
          io.meshwork.receipt.v1.MemberPeriod.newBuilder()
              .setExecutorDid(m.executorDid())
              .setAdmittedAt(m.admittedAt())
              .setLeftAt(m.leftAt()));
    }
    try {
      receipts
          .withDeadlineAfter(SYNC_DEADLINE_SECONDS, TimeUnit.SECONDS)
          .syncMembers(request.build());
    } catch (StatusRuntimeException e) {
      throw MeshException.unavailable(
          "RECEIPT_LOG_UNAVAILABLE",
          "telling the receipt log the members failed: " + e.getStatus(),
          e);
    }
  }

  @Override
  public List<Anchored> anchor(List<Receipt> batch) {
    return Spans.call("anchoring", () -> anchorAll(batch));
  }

  private List<Anchored> anchorAll(List<Receipt> batch) {
    List<CompletableFuture<ExecutionReceiptAvailableV1>> pending = new ArrayList<>(batch.size());
    for (Receipt r : batch) {
      pending.add(batches.submit(TaskMessages.receipt(r)));
    }
    List<Anchored> anchored = new ArrayList<>(batch.size());
    try {
      for (CompletableFuture<ExecutionReceiptAvailableV1> p : pending) {
        ExecutionReceiptAvailableV1 a = p.join();
        anchored.add(new Anchored(a.getReceiptCid(), a.getLogIndex()));
      }
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      String status =
          cause instanceof StatusRuntimeException s
              ? s.getStatus().toString()
              : String.valueOf(cause.getMessage());
      throw MeshException.unavailable(
          "RECEIPT_LOG_UNAVAILABLE", "anchoring receipts failed: " + status, cause);
    }
    return anchored;
  }

  private void anchorBatch(
      List<ExecutionReceipt> batch, List<CompletableFuture<ExecutionReceiptAvailableV1>> out) {
    List<ExecutionReceiptAvailableV1> anchored;
    try {
      anchored = call(batch);
    } catch (StatusRuntimeException e) {
      if (batch.size() == 1 || !refusal(e.getStatus().getCode())) {
        throw e;
      }
      for (int i = 0; i < batch.size(); i++) {
        try {
          out.get(i).complete(call(List.of(batch.get(i))).get(0));
        } catch (StatusRuntimeException single) {
          out.get(i).completeExceptionally(single);
        }
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      out.get(i).complete(anchored.get(i));
    }
  }

  private List<ExecutionReceiptAvailableV1> call(List<ExecutionReceipt> batch) {
    List<ExecutionReceiptAvailableV1> anchored =
        receipts
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .anchorReceipts(AnchorReceiptsRequest.newBuilder().addAllReceipts(batch).build())
            .getAnchoredList();
    if (anchored.size() != batch.size()) {
      throw Status.INTERNAL
          .withDescription(
              "the receipt log answered " + anchored.size() + " for " + batch.size() + " receipts")
          .asRuntimeException();
    }
    return anchored;
  }

  /** A verdict on the receipts themselves, which may concern only one of the batch. */
  private static boolean refusal(Status.Code code) {
    return code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION;
  }
}
