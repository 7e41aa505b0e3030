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
import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.core.Transferred;
import io.meshwork.ledger.core.VoidedHold;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.CreateHoldResponse;
import io.meshwork.ledger.v1.ExtendHoldRequest;
import io.meshwork.ledger.v1.ExtendHoldResponse;
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
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Serves {@code meshwork.ledger.v1.LedgerService}: checks who may call, validates the fields, and
 * hands the call to {@link ManaLedger}.
 *
 * <p>Who may call each RPC is {@link LedgerAccess#TABLE}, checked before a handler runs; the
 * handlers apply the rest of docs/AUTH.md, about whose account it is: a transfer leaves only the
 * caller's own account (an operator's: any), an orchestrator posts and voids only the holds it
 * created, and {@link LedgerAccess} says who reads what. Handlers run on gRPC's executor and block
 * until the store has durably committed their writes; concurrent handlers' writes share commits,
 * which is what makes many small calls cheap. No handler state is shared.
 */
public final class LedgerGrpcService extends LedgerServiceGrpc.LedgerServiceImplBase {
  private static final int MAX_ID_LENGTH = 256;
  private static final int MAX_MEMO_LENGTH = 1024;

  /** The most operations one {@code Submit} may carry. */
  public static final int MAX_BATCH = 1000;

  // DIDs already found valid, so a batch does not decode the same one again and again; cleared
  // when full, which only costs decoding again.
  private static final int MAX_REMEMBERED_DIDS = 10_000;
  private static final Set<String> VALID_DIDS = ConcurrentHashMap.newKeySet();

  private final ManaLedger ledger;
  private final LedgerAccess access;

  /** Serves {@code ledger}. */
  public LedgerGrpcService(ManaLedger ledger) {
    this.ledger = ledger;
    this.access = new LedgerAccess(ledger);
  }

  @Override
  public void getAccount(GetAccountRequest req, StreamObserver<GetAccountResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          String did = req.getDid().isEmpty() ? caller.did() : requireDid("did", req.getDid());
          access.requireAccountReader(caller, did);
          GetAccountResponse.Builder response =
              GetAccountResponse.newBuilder()
                  .setAccount(account(ledger.account(did)))
                  .setRegeneration(LedgerProtos.toProto(ledger.options().regeneration()));
          // An orchestrator reading a payer's account sees its own holds, not other jobs'.
          boolean all = LedgerAccess.ownsOrOperates(caller, did);
          ledger.pendingHolds(did).stream()
              .filter(h -> all || h.creatorDid().equals(caller.did()))
              .forEach(h -> response.addPendingHolds(LedgerProtos.toProto(h)));
          return response.build();
        });
  }

  @Override
  public void mint(MintRequest req, StreamObserver<MintResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          String requestId = requireId("request_id", req.getRequestId());
          String did = requireDid("did", req.getDid());
          long amount = requirePositive("amount", req.getAmount());
          String memo = requireMemo(req.getMemo());
          Account minted = ledger.mintBy(Caller.current().did(), requestId, did, amount, memo);
          return MintResponse.newBuilder().setAccount(account(minted)).build();
        });
  }

  @Override
  public void createHold(CreateHoldRequest req, StreamObserver<CreateHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          ManaLedger.Batch batch = ledger.batchBy(Caller.current().did());
          var outcome = startCreateHold(batch, req);
          batch.submit();
          return createHoldResponse(LedgerStore.await(outcome));
        });
  }

  @Override
  public void postHold(PostHoldRequest req, StreamObserver<PostHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          ManaLedger.Batch batch = ledger.batchBy(Caller.current().did());
          var outcome = startPostHold(batch, req);
          batch.submit();
          return postHoldResponse(LedgerStore.await(outcome));
        });
  }

  @Override
  public void voidHold(VoidHoldRequest req, StreamObserver<VoidHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          ManaLedger.Batch batch = ledger.batchBy(Caller.current().did());
          var outcome = startVoidHold(batch, req);
          batch.submit();
          return voidHoldResponse(LedgerStore.await(outcome));
        });
  }

  @Override
  public void extendHold(ExtendHoldRequest req, StreamObserver<ExtendHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          String requestId = requireId("request_id", req.getRequestId());
          String holdId = requireId("hold_id", req.getHoldId());
          long maxTimeout = ManaLedger.MAX_HOLD_TIMEOUT.toMillis();
          // uint64 arrives as a signed long: a negative value is a timeout beyond 2^63 ms.
          if (req.getTimeoutMs() <= 0 || req.getTimeoutMs() > maxTimeout) {
            throw invalidField("timeout_ms", "must be between 1 and " + maxTimeout)
                .with("max", maxTimeout);
          }
          ManaLedger.Batch batch = ledger.batchBy(Caller.current().did());
          var outcome = batch.extendHold(requestId, holdId, Duration.ofMillis(req.getTimeoutMs()));
          batch.submit();
          return ExtendHoldResponse.newBuilder()
              .setHold(LedgerProtos.toProto(LedgerStore.await(outcome)))
              .build();
        });
  }

  @Override
  public void transfer(TransferRequest req, StreamObserver<TransferResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          ManaLedger.Batch batch = ledger.batchBy(caller.did());
          var outcome = startTransfer(batch, req, caller);
          batch.submit();
          return transferResponse(LedgerStore.await(outcome));
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
          Caller caller = Caller.current();
          int count = req.getOperationsCount();
          if (count == 0 || count > MAX_BATCH) {
            throw invalidField("operations", "must hold 1 to " + MAX_BATCH + " operations")
                .with("max", MAX_BATCH);
          }
          // Every operation is checked and added first, then all are queued at once, so the batch
          // shares a commit instead of trickling into several.
          ManaLedger.Batch batch = ledger.batchBy(caller.did());
          List<Started<?>> started = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            started.add(start(batch, req.getOperations(i), i, caller));
          }
          batch.submit();
          // Wait once for all of them: joining one by one would wake this thread for each
          // operation as the committer completes them in turn. The results are then built here,
          // on the handler's thread, rather than by the committer.
          CompletableFuture.allOf(
                  started.stream().map(Started::outcome).toArray(CompletableFuture<?>[]::new))
              .exceptionally(e -> null)
              .join();
          SubmitOperationsResponse.Builder response = SubmitOperationsResponse.newBuilder();
          for (Started<?> operation : started) {
            response.addResults(operation.result());
          }
          return response.build();
        });
  }

  /** One operation of a batch: its outcome to come, and how to report it as a result. */
  private record Started<T>(CompletableFuture<T> outcome, Function<T, OperationResult> report) {
    static <T> Started<T> refused(RuntimeException e) {
      return new Started<>(CompletableFuture.failedFuture(e), v -> null);
    }

    OperationResult result() {
      try {
        return report.apply(outcome.join());
      } catch (CompletionException | CancellationException e) {
        return OperationResult.newBuilder().setError(error(e)).build();
      }
    }
  }

  private Started<?> start(ManaLedger.Batch batch, Operation op, int index, Caller caller) {
    try {
      return switch (op.getOperationCase()) {
        case CREATE_HOLD ->
            new Started<>(
                startCreateHold(batch, op.getCreateHold()),
                h -> OperationResult.newBuilder().setCreateHold(createHoldResponse(h)).build());
        case POST_HOLD ->
            new Started<>(
                startPostHold(batch, op.getPostHold()),
                h -> OperationResult.newBuilder().setPostHold(postHoldResponse(h)).build());
        case VOID_HOLD ->
            new Started<>(
                startVoidHold(batch, op.getVoidHold()),
                v -> OperationResult.newBuilder().setVoidHold(voidHoldResponse(v)).build());
        case TRANSFER ->
            new Started<>(
                startTransfer(batch, op.getTransfer(), caller),
                t -> OperationResult.newBuilder().setTransfer(transferResponse(t)).build());
        case OPERATION_NOT_SET ->
            throw invalidField("operations[" + index + "]", "names no operation");
      };
    } catch (RuntimeException e) {
      return Started.refused(e);
    }
  }

  private CompletableFuture<Hold> startCreateHold(ManaLedger.Batch batch, CreateHoldRequest req) {
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
    return batch.createHold(
        requestId, payer, amount, jobId, Duration.ofMillis(req.getTimeoutMs()), memo);
  }

  private static CreateHoldResponse createHoldResponse(Hold hold) {
    return CreateHoldResponse.newBuilder().setHold(LedgerProtos.toProto(hold)).build();
  }

  private CompletableFuture<Hold> startPostHold(ManaLedger.Batch batch, PostHoldRequest req) {
    String requestId = requireId("request_id", req.getRequestId());
    String holdId = requireId("hold_id", req.getHoldId());
    String payee = requireDid("payee_did", req.getPayeeDid());
    long amount = requirePositive("amount", req.getAmount());
    String taskId = optionalId("task_id", req.getTaskId());
    String memo = requireMemo(req.getMemo());
    return batch.postHold(requestId, holdId, payee, amount, req.getFinal(), taskId, memo);
  }

  private static PostHoldResponse postHoldResponse(Hold hold) {
    return PostHoldResponse.newBuilder().setHold(LedgerProtos.toProto(hold)).build();
  }

  private CompletableFuture<VoidedHold> startVoidHold(ManaLedger.Batch batch, VoidHoldRequest req) {
    String requestId = requireId("request_id", req.getRequestId());
    String holdId = requireId("hold_id", req.getHoldId());
    String memo = requireMemo(req.getMemo());
    return batch.voidHold(requestId, holdId, memo);
  }

  private static VoidHoldResponse voidHoldResponse(VoidedHold voided) {
    return VoidHoldResponse.newBuilder()
        .setHold(LedgerProtos.toProto(voided.hold()))
        .setRefunded(voided.refunded())
        .build();
  }

  private CompletableFuture<Transferred> startTransfer(
      ManaLedger.Batch batch, TransferRequest req, Caller caller) {
    String requestId = requireId("request_id", req.getRequestId());
    String from = requireDid("from_did", req.getFromDid());
    LedgerAccess.requireDebitor(caller, from);
    String to = requireDid("to_did", req.getToDid());
    long amount = requirePositive("amount", req.getAmount());
    String jobId = optionalId("job_id", req.getJobId());
    String memo = requireMemo(req.getMemo());
    return batch.transfer(requestId, from, to, amount, jobId, memo);
  }

  private TransferResponse transferResponse(Transferred t) {
    return TransferResponse.newBuilder().setFrom(account(t.from())).setTo(account(t.to())).build();
  }

  @Override
  public void getHold(GetHoldRequest req, StreamObserver<GetHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          String holdId = requireId("hold_id", req.getHoldId());
          Hold hold = ledger.hold(holdId);
          access.requireHoldReader(caller, hold);
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
          String jobId = optionalId("job_id", req.getJobId());
          access.requireHistoryReader(caller, did, jobId);
          // uint32 arrives as a signed int: a negative value is beyond 2^31.
          if (req.getPageSize() < 0 || req.getPageSize() > ManaLedger.MAX_PAGE_SIZE) {
            throw invalidField("page_size", "must be between 0 and " + ManaLedger.MAX_PAGE_SIZE)
                .with("max", ManaLedger.MAX_PAGE_SIZE);
          }
          // An orchestrator reading someone else's account sees only its own holds' entries.
          String holdsBy = LedgerAccess.ownsOrOperates(caller, did) ? null : caller.did();
          HistoryPage page =
              ledger.history(did, jobId, holdsBy, req.getPageSize(), req.getPageToken());
          ListHistoryResponse.Builder response =
              ListHistoryResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.entries().forEach(e -> response.addEntries(LedgerProtos.toProto(e)));
          return response.build();
        });
  }

  private io.meshwork.ledger.v1.Account account(Account a) {
    return LedgerProtos.toProto(a, ledger.options().floorOf(a.did()));
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
    // Checking a did:key decodes its base58; a batch names the same few accounts many times.
    if (!VALID_DIDS.contains(value)) {
      if (!DidKey.isDidKey(value)) {
        throw invalidField(field, "is not an Ed25519 did:key");
      }
      if (VALID_DIDS.size() >= MAX_REMEMBERED_DIDS) {
        VALID_DIDS.clear();
      }
      VALID_DIDS.add(value);
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
