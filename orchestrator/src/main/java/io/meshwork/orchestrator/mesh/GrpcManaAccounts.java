package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.runtime.errors.ErrorMapping;
import io.meshwork.runtime.errors.MeshException;
import java.util.concurrent.TimeUnit;

/** {@link ManaAccounts} over the ledger service's gRPC API. */
public final class GrpcManaAccounts implements ManaAccounts {
  private final LedgerServiceGrpc.LedgerServiceBlockingStub ledger;

  /** Calls the ledger on {@code channel}, signing as the orchestrator. */
  public GrpcManaAccounts(Channel channel, CallCredentials credentials) {
    this.ledger = LedgerServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  @Override
  public String hold(
      String requestId, String payer, long amount, String jobId, long timeoutMillis) {
    try {
      return ledger
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .createHold(
              CreateHoldRequest.newBuilder()
                  .setRequestId(requestId)
                  .setPayerDid(payer)
                  .setAmount(amount)
                  .setJobId(jobId)
                  .setTimeoutMs(timeoutMillis)
                  .setMemo("budget of job " + jobId)
                  .build())
          .getHold()
          .getHoldId();
    } catch (StatusRuntimeException e) {
      throw translate("holding the job's budget", e);
    }
  }

  @Override
  public void pay(String requestId, String holdId, String payee, long amount, String taskId) {
    try {
      ledger
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .postHold(
              PostHoldRequest.newBuilder()
                  .setRequestId(requestId)
                  .setHoldId(holdId)
                  .setPayeeDid(payee)
                  .setAmount(amount)
                  .setTaskId(taskId)
                  .setMemo("verified result of task " + taskId)
                  .build());
    } catch (StatusRuntimeException e) {
      throw translate("paying for task " + taskId, e);
    }
  }

  @Override
  public long release(String requestId, String holdId, String memo) {
    try {
      return ledger
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .voidHold(
              VoidHoldRequest.newBuilder()
                  .setRequestId(requestId)
                  .setHoldId(holdId)
                  .setMemo(memo)
                  .build())
          .getRefunded();
    } catch (StatusRuntimeException e) {
      throw translate("returning the rest of the budget", e);
    }
  }

  /**
   * Keeps the ledger's own verdict (e.g. INSUFFICIENT_MANA) for the submitter, and reports an
   * unreachable ledger as UNAVAILABLE.
   */
  private static MeshException translate(String what, StatusRuntimeException e) {
    String reason = ErrorMapping.reasonOf(e);
    MeshException.Kind kind =
        switch (e.getStatus().getCode()) {
          case FAILED_PRECONDITION -> MeshException.Kind.FAILED_PRECONDITION;
          case INVALID_ARGUMENT -> MeshException.Kind.INVALID_ARGUMENT;
          case PERMISSION_DENIED -> MeshException.Kind.PERMISSION_DENIED;
          case ALREADY_EXISTS -> MeshException.Kind.ALREADY_EXISTS;
          case NOT_FOUND -> MeshException.Kind.NOT_FOUND;
          default -> MeshException.Kind.UNAVAILABLE;
        };
    return new MeshException(
        kind,
        reason.isEmpty() ? "LEDGER_UNAVAILABLE" : reason,
        what + " failed: " + e.getStatus().getDescription(),
        e);
  }
}
