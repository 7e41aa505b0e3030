package io.meshwork.ledger.grpc;

import static io.meshwork.ledger.core.LedgerErrors.invalidField;

import io.grpc.stub.StreamObserver;
import io.meshwork.identity.DidKey;
import io.meshwork.ledger.core.HistoryPage;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.core.VoidedHold;
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
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.PostHoldResponse;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.ledger.v1.VoidHoldResponse;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.grpc.Rpc;
import java.time.Duration;

/**
 * Serves {@code meshwork.ledger.v1.LedgerService}: checks who may call, validates the fields, and
 * hands the call to {@link ManaLedger}.
 *
 * <p>Authorization follows AUTH.md: holds, posts and voids only from the mesh's service identities,
 * mints only from an operator, and an account, its history and its holds are readable by their
 * owner, any service and any operator. Handlers run on gRPC's executor and block on the store; the
 * store serializes writers, so no handler state is shared.
 */
public final class LedgerGrpcService extends LedgerServiceGrpc.LedgerServiceImplBase {
  private static final int MAX_ID_LENGTH = 256;
  private static final int MAX_MEMO_LENGTH = 1024;

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
          return GetAccountResponse.newBuilder()
              .setAccount(LedgerProtos.toProto(ledger.account(did)))
              .build();
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
              .setAccount(LedgerProtos.toProto(ledger.mint(requestId, did, amount, memo)))
              .build();
        });
  }

  @Override
  public void createHold(CreateHoldRequest req, StreamObserver<CreateHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("CreateHold");
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
          return CreateHoldResponse.newBuilder()
              .setHold(
                  LedgerProtos.toProto(
                      ledger.createHold(
                          requestId,
                          payer,
                          amount,
                          jobId,
                          Duration.ofMillis(req.getTimeoutMs()),
                          memo)))
              .build();
        });
  }

  @Override
  public void postHold(PostHoldRequest req, StreamObserver<PostHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("PostHold");
          String requestId = requireId("request_id", req.getRequestId());
          String holdId = requireId("hold_id", req.getHoldId());
          String payee = requireDid("payee_did", req.getPayeeDid());
          long amount = requirePositive("amount", req.getAmount());
          String taskId = optionalId("task_id", req.getTaskId());
          String memo = requireMemo(req.getMemo());
          return PostHoldResponse.newBuilder()
              .setHold(
                  LedgerProtos.toProto(
                      ledger.postHold(
                          requestId, holdId, payee, amount, req.getFinal(), taskId, memo)))
              .build();
        });
  }

  @Override
  public void voidHold(VoidHoldRequest req, StreamObserver<VoidHoldResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("VoidHold");
          String requestId = requireId("request_id", req.getRequestId());
          String holdId = requireId("hold_id", req.getHoldId());
          String memo = requireMemo(req.getMemo());
          VoidedHold voided = ledger.voidHold(requestId, holdId, memo);
          return VoidHoldResponse.newBuilder()
              .setHold(LedgerProtos.toProto(voided.hold()))
              .setRefunded(voided.refunded())
              .build();
        });
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
