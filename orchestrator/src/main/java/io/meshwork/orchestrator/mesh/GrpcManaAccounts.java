package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.ExtendHoldRequest;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.Operation;
import io.meshwork.ledger.v1.OperationError;
import io.meshwork.ledger.v1.OperationResult;
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.SubmitOperationsRequest;
import io.meshwork.ledger.v1.SubmitOperationsResponse;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.orchestrator.jobs.ManaAccounts;
import io.meshwork.runtime.errors.ErrorMapping;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.tracing.Spans;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * {@link ManaAccounts} over the ledger service's gRPC API.
 *
 * <p>Holds, payments and releases that many jobs and tasks ask for at the same time travel together
 * in the ledger's batch {@code Submit} call (see {@link MicroBatcher}): one round trip and one
 * signed token for the lot, and the ledger commits them together. Each operation keeps its own
 * request id and its own outcome, so a refused payment fails only its own task, and a resent batch
 * never pays twice.
 */
public final class GrpcManaAccounts implements ManaAccounts {
  /** Operations per Submit; the ledger accepts up to 1000. */
  static final int MAX_BATCH = 256;

  /** Submit calls out at once before further operations wait to go in one batch. */
  static final int MAX_IN_FLIGHT = 2;

  private final LedgerServiceGrpc.LedgerServiceBlockingStub ledger;
  private final MicroBatcher<Operation, OperationResult> batches;

  /** Calls the ledger on {@code channel}, signing as the orchestrator. */
  public GrpcManaAccounts(Channel channel, CallCredentials credentials) {
    this(channel, credentials, MAX_BATCH, MAX_IN_FLIGHT);
  }

  /** As above, with the largest batch and the number of batches out at once. */
  GrpcManaAccounts(Channel channel, CallCredentials credentials, int maxBatch, int maxInFlight) {
    // Wait-for-ready, as for the receipt log: a ledger that is starting or restarting is waited
    // for up to each call's deadline.
    this.ledger =
        LedgerServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(credentials)
            .withWaitForReady();
    this.batches = new MicroBatcher<>(this::submit, maxBatch, maxInFlight);
  }

  @Override
  public String hold(
      String requestId, String payer, long amount, String jobId, long timeoutMillis) {
    OperationResult r =
        apply(
            "hold",
            "holding the job's budget",
            Operation.newBuilder()
                .setCreateHold(
                    CreateHoldRequest.newBuilder()
                        .setRequestId(requestId)
                        .setPayerDid(payer)
                        .setAmount(amount)
                        .setJobId(jobId)
                        .setTimeoutMs(timeoutMillis)
                        .setMemo("budget of job " + jobId))
                .build());
    return r.getCreateHold().getHold().getHoldId();
  }

  @Override
  public void pay(String requestId, String holdId, String payee, long amount, String taskId) {
    apply(
        "payment",
        "paying for task " + taskId,
        Operation.newBuilder()
            .setPostHold(
                PostHoldRequest.newBuilder()
                    .setRequestId(requestId)
                    .setHoldId(holdId)
                    .setPayeeDid(payee)
                    .setAmount(amount)
                    .setTaskId(taskId)
                    .setMemo("verified result of task " + taskId))
            .build());
  }

  @Override
  public void extend(String requestId, String holdId, long timeoutMillis) {
    // Not an operation of the batch Submit: an extension is one call per job every few minutes.
    Spans.call(
        "extend hold",
        () -> {
          try {
            return ledger
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .extendHold(
                    ExtendHoldRequest.newBuilder()
                        .setRequestId(requestId)
                        .setHoldId(holdId)
                        .setTimeoutMs(timeoutMillis)
                        .build());
          } catch (StatusRuntimeException e) {
            throw translate("extending hold " + holdId, e);
          }
        });
  }

  @Override
  public long release(String requestId, String holdId, String memo) {
    OperationResult r =
        apply(
            "release",
            "returning the rest of the budget",
            Operation.newBuilder()
                .setVoidHold(
                    VoidHoldRequest.newBuilder()
                        .setRequestId(requestId)
                        .setHoldId(holdId)
                        .setMemo(memo))
                .build());
    return r.getVoidHold().getRefunded();
  }

  /**
   * Sends one operation in the next batch, as the step {@code step} of the trace, and returns its
   * own result, or throws its refusal.
   */
  private OperationResult apply(String step, String what, Operation operation) {
    return Spans.call(step, () -> apply(what, operation));
  }

  private OperationResult apply(String what, Operation operation) {
    OperationResult result;
    try {
      result = batches.submit(operation).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw translate(what, s);
      }
      throw new MeshException(
          MeshException.Kind.UNAVAILABLE,
          "LEDGER_UNAVAILABLE",
          what + " failed: " + e.getCause().getMessage(),
          e.getCause());
    }
    if (result.hasError()) {
      throw refused(what, result.getError());
    }
    return result;
  }

  /** One Submit call for a batch; the ledger answers each operation in request order. */
  private void submit(List<Operation> operations, List<CompletableFuture<OperationResult>> out) {
    SubmitOperationsResponse response =
        ledger
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .submit(SubmitOperationsRequest.newBuilder().addAllOperations(operations).build());
    if (response.getResultsCount() != operations.size()) {
      throw Status.INTERNAL
          .withDescription(
              "the ledger answered "
                  + response.getResultsCount()
                  + " results for "
                  + operations.size()
                  + " operations")
          .asRuntimeException();
    }
    for (int i = 0; i < operations.size(); i++) {
      out.get(i).complete(response.getResults(i));
    }
  }

  /** The ledger's verdict on one operation, as its single-call RPC would have failed. */
  private static MeshException refused(String what, OperationError error) {
    Status.Code code;
    try {
      code = Status.Code.valueOf(error.getCode());
    } catch (IllegalArgumentException e) {
      code = Status.Code.UNKNOWN;
    }
    MeshException failure =
        new MeshException(
            kind(code),
            error.getReason().isEmpty() ? "LEDGER_UNAVAILABLE" : error.getReason(),
            what + " failed: " + error.getMessage());
    error.getMetadataMap().forEach(failure::with);
    return failure;
  }

  /**
   * Keeps the ledger's own verdict (e.g. INSUFFICIENT_MANA) for the submitter, and reports an
   * unreachable ledger as UNAVAILABLE.
   */
  private static MeshException translate(String what, StatusRuntimeException e) {
    String reason = ErrorMapping.reasonOf(e);
    return new MeshException(
        kind(e.getStatus().getCode()),
        reason.isEmpty() ? "LEDGER_UNAVAILABLE" : reason,
        what + " failed: " + e.getStatus().getDescription(),
        e);
  }

  private static MeshException.Kind kind(Status.Code code) {
    return switch (code) {
      case FAILED_PRECONDITION -> MeshException.Kind.FAILED_PRECONDITION;
      case INVALID_ARGUMENT -> MeshException.Kind.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> MeshException.Kind.PERMISSION_DENIED;
      case ALREADY_EXISTS -> MeshException.Kind.ALREADY_EXISTS;
      case NOT_FOUND -> MeshException.Kind.NOT_FOUND;
      default -> MeshException.Kind.UNAVAILABLE;
    };
  }
}
