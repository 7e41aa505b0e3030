package io.meshwork.ledger.grpc;

import static io.meshwork.ledger.core.LedgerErrors.invalidField;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.meshwork.identity.DidKey;
import io.meshwork.ledger.core.Account;
import io.meshwork.ledger.core.HistoryPage;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.CreateHoldResponse;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.GetAccountResponse;
import io.meshwork.ledger.v1.GetHoldRequest;
import io.meshwork.ledger.v1.GetHoldResponse;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.ListHistoryRequest;
import io.meshwork.ledger.v1.ListHistoryResponse;
import io.meshwork.ledger.v1.MintRequest;
import io.meshwork.ledger.v1.MintResponse;
import io.meshwork.ledger.v1.Operation;
import io.meshwork.ledger.v1.OperationError;
import io.meshwork.ledger.v1.OperationResult;
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.PostHoldResponse;
import io.meshwork.ledger.v1.SubmitOperationsRequest;
import io.meshwork.ledger.v1.SubmitOperationsResponse;
import io.meshwork.ledger.v1.TransferRequest;
import io.meshwork.ledger.v1.TransferResponse;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.ledger.v1.VoidHoldResponse;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.ErrorMapping;
import io.meshwork.runtime.grpc.Rpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Serves {@code meshwork.ledger.v1.LedgerService}: checks who may call, validates the fields, and
 * hands the call to {@link ManaLedger}.
 *
 * <p>Authorization follows AUTH.md: holds, posts, voids, transfers and batches of them only from
 * the mesh's service identities, mints only from an operator, and an account, its history and its
 * holds are readable by their owner, any service and any operator. Handlers run on gRPC's executor
 * and block until the store has durably committed their writes; concurrent handlers' writes share
 * commits, which is what makes many small calls cheap. No handler state is shared.
 */
public final class LedgerGrpcService extends LedgerServiceGrpc.LedgerServiceImplBase {
  private static final int MAX_ID_LENGTH = 256;
  private static final int MAX_MEMO_LENGTH = 1024;

  /** The most operations one {@code Submit} may carry. */
  public static final int MAX_BATCH = 1000;

  private final ManaLedger ledger;

  /** Serves {@code ledger}. */
  public LedgerGrpcService(ManaLedger ledger) {
    this.ledger = ledger;
  }

  @Override
  public void getAccount(GetAccountRequest req, StreamObserver<GetAccountResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          String did = req.getDid().isEmpty() ? caller.did() : requireDid("did", req.getDid());
          caller.requireOwnerOrService(did, "the account");
          GetAccountResponse.Builder response =
              GetAccountResponse.newBuilder()
                  .setAccount(account(ledger.account(did)))
                  .setRegeneration(LedgerProtos.toProto(ledger.options().regeneration()));
          ledger.pendingHolds(did).forEach(h -> response.addPendingHolds(LedgerProtos.toProto(h)));
          return response.build();
        });
  }

  @Override
  public void mint(MintRequest req, StreamObserver<MintResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireOperator("Mint");
          String requestId = requireId("request_id", req.getRequestId());
          String did = requireDid("did", req.getDid());
          long amount = requirePositive("amount", req.getAmount());
          String memo = requireMemo(req.getMemo());
          return MintResponse.newBuilder()
              .setAccount(account(ledger.mint(requestId, did, amount, memo)))
              .build();
        });
  }

  @Override
  public void createHold(CreateHoldRequest req, StreamObserver<CreateHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("CreateHold");
          return LedgerStore.await(startCreateHold(req));
        });
  }

  @Override
  public void postHold(PostHoldRequest req, StreamObserver<PostHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("PostHold");
          return LedgerStore.await(startPostHold(req));
        });
  }

  @Override
  public void voidHold(VoidHoldRequest req, StreamObserver<VoidHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("VoidHold");
          return LedgerStore.await(startVoidHold(req));
        });
  }

  @Override
  public void transfer(TransferRequest req, StreamObserver<TransferResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("Transfer");
          return LedgerStore.await(startTransfer(req));
        });
  }

  /**
   * Starts every operation of the batch in order (the store applies them in that order, grouping
   * them into as few commits as it can), then waits until all are durable. A refused operation
   * becomes its own result's error; the call itself fails only for a malformed batch or a caller
   * that may not submit.
   */
  @Override
  public void submit(
      SubmitOperationsRequest req, StreamObserver<SubmitOperationsResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("Submit");
          int count = req.getOperationsCount();
          if (count == 0 || count > MAX_BATCH) {
            throw invalidField("operations", "must hold 1 to " + MAX_BATCH + " operations")
                .with("max", MAX_BATCH);
          }
          List<CompletableFuture<OperationResult>> started = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            started.add(start(req.getOperations(i), i));
          }
          SubmitOperationsResponse.Builder response = SubmitOperationsResponse.newBuilder();
          for (CompletableFuture<OperationResult> result : started) {
            OperationResult r;
            try {
              r = result.join();
            } catch (CompletionException | CancellationException e) {
              r = OperationResult.newBuilder().setError(error(e)).build();
            }
            response.addResults(r);
          }
          return response.build();
        });
  }

  private CompletableFuture<OperationResult> start(Operation op, int index) {
    try {
      return switch (op.getOperationCase()) {
        case CREATE_HOLD ->
            startCreateHold(op.getCreateHold())
                .thenApply(r -> OperationResult.newBuilder().setCreateHold(r).build());
        case POST_HOLD ->
            startPostHold(op.getPostHold())
                .thenApply(r -> OperationResult.newBuilder().setPostHold(r).build());
        case VOID_HOLD ->
            startVoidHold(op.getVoidHold())
                .thenApply(r -> OperationResult.newBuilder().setVoidHold(r).build());
        case TRANSFER ->
            startTransfer(op.getTransfer())
                .thenApply(r -> OperationResult.newBuilder().setTransfer(r).build());
        case OPERATION_NOT_SET ->
            throw invalidField("operations[" + index + "]", "names no operation");
      };
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<CreateHoldResponse> startCreateHold(CreateHoldRequest req) {
    String requestId = requireId("request_id", req.getRequestId());
    String payer = requireDid("payer_did", req.getPayerDid());
    long amount = requirePositive("amount", req.getAmount());
    String jobId = requireId("job_id", req.getJobId());
    long maxTimeout = ManaLedger.MAX_HOLD_TIMEOUT.toMillis();
    // uint64 arrives as a signed long: a negative value is a timeout beyond 2^63 ms.
    if (req.getTimeoutMs() < 0 || req.getTimeoutMs() > maxTimeout) {
      throw invalidField("timeout_ms", "must be between 0 and " + maxTimeout)
          .with("max", maxTimeout);
    }
    String memo = requireMemo(req.getMemo());
    return ledger
        .createHoldAsync(
            requestId, payer, amount, jobId, Duration.ofMillis(req.getTimeoutMs()), memo)
        .thenApply(
            hold -> CreateHoldResponse.newBuilder().setHold(LedgerProtos.toProto(hold)).build());
  }

  private CompletableFuture<PostHoldResponse> startPostHold(PostHoldRequest req) {
    String requestId = requireId("request_id", req.getRequestId());
    String holdId = requireId("hold_id", req.getHoldId());
    String payee = requireDid("payee_did", req.getPayeeDid());
    long amount = requirePositive("amount", req.getAmount());
    String taskId = optionalId("task_id", req.getTaskId());
    String memo = requireMemo(req.getMemo());
    return ledger
        .postHoldAsync(requestId, holdId, payee, amount, req.getFinal(), taskId, memo)
        .thenApply(
            hold -> PostHoldResponse.newBuilder().setHold(LedgerProtos.toProto(hold)).build());
  }

  private CompletableFuture<VoidHoldResponse> startVoidHold(VoidHoldRequest req) {
    String requestId = requireId("request_id", req.getRequestId());
    String holdId = requireId("hold_id", req.getHoldId());
    String memo = requireMemo(req.getMemo());
    return ledger
        .voidHoldAsync(requestId, holdId, memo)
        .thenApply(
            voided ->
                VoidHoldResponse.newBuilder()
                    .setHold(LedgerProtos.toProto(voided.hold()))
                    .setRefunded(voided.refunded())
                    .build());
  }

  private CompletableFuture<TransferResponse> startTransfer(TransferRequest req) {
    String requestId = requireId("request_id", req.getRequestId());
    String from = requireDid("from_did", req.getFromDid());
    String to = requireDid("to_did", req.getToDid());
    long amount = requirePositive("amount", req.getAmount());
    String jobId = optionalId("job_id", req.getJobId());
    String memo = requireMemo(req.getMemo());
    return ledger
        .transferAsync(requestId, from, to, amount, jobId, memo)
        .thenApply(
            t ->
                TransferResponse.newBuilder()
                    .setFrom(account(t.from()))
                    .setTo(account(t.to()))
                    .build());
  }

  @Override
  public void getHold(GetHoldRequest req, StreamObserver<GetHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          String holdId = requireId("hold_id", req.getHoldId());
          io.meshwork.ledger.core.Hold hold = ledger.hold(holdId);
          caller.requireOwnerOrService(hold.payerDid(), "the hold " + holdId);
          return GetHoldResponse.newBuilder().setHold(LedgerProtos.toProto(hold)).build();
        });
  }

  @Override
  public void listHistory(ListHistoryRequest req, StreamObserver<ListHistoryResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          String did = req.getDid().isEmpty() ? caller.did() : requireDid("did", req.getDid());
          caller.requireOwnerOrService(did, "the account's history");
          // uint32 arrives as a signed int: a negative value is beyond 2^31.
          if (req.getPageSize() < 0 || req.getPageSize() > ManaLedger.MAX_PAGE_SIZE) {
            throw invalidField("page_size", "must be between 0 and " + ManaLedger.MAX_PAGE_SIZE)
                .with("max", ManaLedger.MAX_PAGE_SIZE);
          }
          String jobId = optionalId("job_id", req.getJobId());
          HistoryPage page = ledger.history(did, jobId, req.getPageSize(), req.getPageToken());
          ListHistoryResponse.Builder response =
              ListHistoryResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.entries().forEach(e -> response.addEntries(LedgerProtos.toProto(e)));
          return response.build();
        });
  }

  private io.meshwork.ledger.v1.Account account(Account a) {
    return LedgerProtos.toProto(a, ledger.options().floor());
  }

  /** The refusal of one operation, as its single-call RPC would have reported it. */
  private static OperationError error(Throwable failure) {
    StatusRuntimeException status = ErrorMapping.toStatus(failure);
    com.google.rpc.Status detail = StatusProto.fromThrowable(status);
    OperationError.Builder error =
        OperationError.newBuilder()
            .setCode(status.getStatus().getCode().name())
            .setMessage(Objects.requireNonNullElse(status.getStatus().getDescription(), ""));
    if (detail != null) {
      for (Any any : detail.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = any.unpack(ErrorInfo.class);
            error.setReason(info.getReason()).putAllMetadata(info.getMetadataMap());
          } catch (InvalidProtocolBufferException e) {
            // ErrorMapping built it; it parses.
          }
        }
      }
    }
    return error.build();
  }

  private static String requireId(String field, String value) {
    if (value.isBlank()) {
      throw invalidField(field, "is required");
    }
    return optionalId(field, value);
  }

  private static String optionalId(String field, String value) {
    if (value.length() > MAX_ID_LENGTH) {
      throw invalidField(field, "is longer than " + MAX_ID_LENGTH + " characters")
          .with("max", MAX_ID_LENGTH);
    }
    return value;
  }

  private static String requireDid(String field, String value) {
    if (value.isEmpty()) {
      throw invalidField(field, "is required");
    }
    if (!DidKey.isDidKey(value)) {
      throw invalidField(field, "is not an Ed25519 did:key");
    }
    return value;
  }

  private static long requirePositive(String field, long value) {
    if (value <= 0) {
      throw invalidField(field, "must be > 0, got " + value).with("value", value);
    }
    return value;
  }

  private static String requireMemo(String memo) {
    if (memo.length() > MAX_MEMO_LENGTH) {
      throw invalidField("memo", "is longer than " + MAX_MEMO_LENGTH + " characters")
          .with("max", MAX_MEMO_LENGTH);
    }
    return memo;
  }
}
