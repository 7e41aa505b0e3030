package io.meshwork.ledger.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.LedgerService;
import io.meshwork.ledger.LedgerSettings;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.ExtendHoldRequest;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.GetAccountResponse;
import io.meshwork.ledger.v1.GetHoldRequest;
import io.meshwork.ledger.v1.Hold;
import io.meshwork.ledger.v1.HoldState;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.LedgerServiceGrpc.LedgerServiceBlockingStub;
import io.meshwork.ledger.v1.ListHistoryRequest;
import io.meshwork.ledger.v1.ListHistoryResponse;
import io.meshwork.ledger.v1.MintRequest;
import io.meshwork.ledger.v1.Operation;
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.SubmitOperationsRequest;
import io.meshwork.ledger.v1.SubmitOperationsResponse;
import io.meshwork.ledger.v1.TransferRequest;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.ledger.v1.VoidHoldResponse;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's gRPC service as deployed: {@link ServiceHost} with the production interceptors (real
 * bearer tokens, real roles) and {@link LedgerService#create}, over the in-process transport.
 */
class LedgerGrpcServiceTest {
  @TempDir Path dataDir;

  private final Identity orchestrator = Identity.generate();
  private final Identity otherOrchestrator = Identity.generate();
  private final Identity operator = Identity.generate();
  private final Identity alice = Identity.generate();
  private final Identity bob = Identity.generate();
  private ServiceHost host;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    String name = InProcessServerBuilder.generateName();
    MapSettings settings =
        new MapSettings(
            Map.of(
                "data-dir",
                dataDir.toString(),
                "mesh.dev-mode",
                "true",
                "ledger.dev-grant",
                "1000",
                "auth.orchestrators",
                orchestrator.did() + "," + otherOrchestrator.did(),
                "auth.operators",
                operator.did()));
    host =
        ServiceHost.start(
            "ledger",
            LedgerSettings.SCHEMA,
            settings,
            LedgerService::create,
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    host.close();
  }

  private LedgerServiceBlockingStub as(Identity identity) {
    return LedgerServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(new BearerCredentials(identity));
  }

  @Test
  void anOrchestratorPaysAJobFromOneHold() {
    Hold hold =
        as(orchestrator)
            .createHold(
                CreateHoldRequest.newBuilder()
                    .setRequestId("h1")
                    .setPayerDid(alice.did())
                    .setAmount(600)
                    .setJobId("job-1")
                    .build())
            .getHold();
    assertEquals(HoldState.HOLD_STATE_PENDING, hold.getState());
    assertEquals(600, hold.getRemaining());

    Hold afterPost =
        as(orchestrator)
            .postHold(
                PostHoldRequest.newBuilder()
                    .setRequestId("p1")
                    .setHoldId(hold.getHoldId())
                    .setPayeeDid(bob.did())
                    .setAmount(250)
                    .setTaskId("task-1")
                    .build())
            .getHold();
    assertEquals(350, afterPost.getRemaining());

    VoidHoldResponse voided =
        as(orchestrator)
            .voidHold(
                VoidHoldRequest.newBuilder()
                    .setRequestId("v1")
                    .setHoldId(hold.getHoldId())
                    .build());
    assertEquals(350, voided.getRefunded());
    assertEquals(HoldState.HOLD_STATE_VOIDED, voided.getHold().getState());

    // Alice reads her own account (empty did = the caller's own) and history.
    var account = as(alice).getAccount(GetAccountRequest.getDefaultInstance()).getAccount();
    assertEquals(alice.did(), account.getDid());
    assertEquals(750, account.getBalance());
    assertEquals(750, account.getAvailable());
    ListHistoryResponse history =
        as(alice).listHistory(ListHistoryRequest.newBuilder().setJobId("job-1").build());
    assertEquals(3, history.getEntriesCount());
    assertEquals(EntryKind.ENTRY_KIND_RELEASE, history.getEntries(0).getKind());
    assertEquals(EntryKind.ENTRY_KIND_HOLD, history.getEntries(2).getKind());
    assertEquals(
        HoldState.HOLD_STATE_VOIDED,
        as(alice)
            .getHold(GetHoldRequest.newBuilder().setHoldId(hold.getHoldId()).build())
            .getHold()
            .getState());
  }

  @Test
  void anOrchestratorExtendsItsHoldAndAZeroTimeoutIsRefusedNamingTheField() {
    Hold hold =
        as(orchestrator)
            .createHold(
                CreateHoldRequest.newBuilder()
                    .setRequestId("h1")
                    .setPayerDid(alice.did())
                    .setAmount(100)
                    .setJobId("job-1")
                    .setTimeoutMs(60_000)
                    .build())
            .getHold();

    Hold extended =
        as(orchestrator)
            .extendHold(
                ExtendHoldRequest.newBuilder()
                    .setRequestId("e1")
                    .setHoldId(hold.getHoldId())
                    .setTimeoutMs(3_600_000)
                    .build())
            .getHold();

    assertTrue(extended.getExpiresAt() >= hold.getExpiresAt() + 3_500_000, extended.toString());
    StatusRuntimeException e =
        failure(
            () ->
                as(orchestrator)
                    .extendHold(
                        ExtendHoldRequest.newBuilder()
                            .setRequestId("e2")
                            .setHoldId(hold.getHoldId())
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("timeout_ms", errorInfo(e).getMetadataMap().get("field"));
  }

  @Test
  void aHoldFromAnyoneButAnOrchestratorIsDenied() {
    StatusRuntimeException e =
        failure(
            () ->
                as(alice)
                    .createHold(
                        CreateHoldRequest.newBuilder()
                            .setRequestId("h1")
                            .setPayerDid(alice.did())
                            .setAmount(10)
                            .setJobId("job-1")
                            .build()));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("ROLE_REQUIRED", errorInfo(e).getReason());
    assertEquals("orchestrator", errorInfo(e).getMetadataMap().get("allowed_roles"));
  }

  @Test
  void aBadAmountIsAnInvalidArgumentNamingTheField() {
    StatusRuntimeException e =
        failure(
            () ->
                as(orchestrator)
                    .createHold(
                        CreateHoldRequest.newBuilder()
                            .setRequestId("h1")
                            .setPayerDid(alice.did())
                            .setAmount(-5)
                            .setJobId("job-1")
                            .build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    ErrorInfo info = errorInfo(e);
    assertEquals("INVALID_FIELD", info.getReason());
    assertEquals("meshwork.io", info.getDomain());
    assertEquals("amount", info.getMetadataMap().get("field"));
  }

  @Test
  void fieldsAreValidatedBeforeTheLedgerIsTouched() {
    assertEquals(
        "payer_did",
        errorInfo(
                failure(
                    () ->
                        as(orchestrator)
                            .createHold(
                                CreateHoldRequest.newBuilder()
                                    .setRequestId("h1")
                                    .setPayerDid("not-a-did")
                                    .setAmount(5)
                                    .setJobId("job-1")
                                    .build())))
            .getMetadataMap()
            .get("field"));
    assertEquals(
        "page_size",
        errorInfo(
                failure(
                    () ->
                        as(alice)
                            .listHistory(
                                ListHistoryRequest.newBuilder().setPageSize(1001).build())))
            .getMetadataMap()
            .get("field"));
    assertEquals(
        "request_id",
        errorInfo(
                failure(
                    () ->
                        as(orchestrator)
                            .voidHold(VoidHoldRequest.newBuilder().setHoldId("h").build())))
            .getMetadataMap()
            .get("field"));
  }

  @Test
  void mintingIsForOperatorsOnly() {
    MintRequest mint =
        MintRequest.newBuilder().setRequestId("m1").setDid(bob.did()).setAmount(500).build();

    StatusRuntimeException e = failure(() -> as(orchestrator).mint(mint));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("ROLE_REQUIRED", errorInfo(e).getReason());
    assertEquals("operator", errorInfo(e).getMetadataMap().get("allowed_roles"));

    // In development mode the new account gets its grant, then the mint on top.
    assertEquals(1500, as(operator).mint(mint).getAccount().getBalance());
  }

  @Test
  void anAccountIsReadableByItsOwnerAndOperatorsAndByAnOrchestratorWhileItHoldsSomeOfIt() {
    GetAccountRequest bobs = GetAccountRequest.newBuilder().setDid(bob.did()).build();

    StatusRuntimeException e = failure(() -> as(alice).getAccount(bobs));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("NOT_OWNER", errorInfo(e).getReason());
    assertEquals(1000, as(bob).getAccount(bobs).getAccount().getBalance());
    assertEquals(1000, as(operator).getAccount(bobs).getAccount().getBalance());
    assertEquals(
        "NOT_OWNER", errorInfo(failure(() -> as(orchestrator).getAccount(bobs))).getReason());

    Hold mine = hold(orchestrator, "h-mine", bob, 100, "job-1");
    Hold theirs = hold(otherOrchestrator, "h-theirs", bob, 200, "job-2");
    GetAccountResponse seen = as(orchestrator).getAccount(bobs);
    assertEquals(300, seen.getAccount().getHeld());
    // It runs job-1, not job-2: only its own hold is listed.
    assertEquals(List.of(mine), seen.getPendingHoldsList());
    assertEquals(List.of(mine, theirs), as(bob).getAccount(bobs).getPendingHoldsList());

    as(orchestrator)
        .voidHold(
            VoidHoldRequest.newBuilder()
                .setRequestId("v-mine")
                .setHoldId(mine.getHoldId())
                .build());
    assertEquals(
        "NOT_OWNER", errorInfo(failure(() -> as(orchestrator).getAccount(bobs))).getReason());
  }

  @Test
  void anOrchestratorReadsTheHoldsItCreatedAndTheHistoryOfItsJobsOnly() {
    Hold hold = hold(orchestrator, "h1", alice, 100, "job-1");
    GetHoldRequest getHold = GetHoldRequest.newBuilder().setHoldId(hold.getHoldId()).build();

    assertEquals(orchestrator.did(), as(orchestrator).getHold(getHold).getHold().getCreatorDid());
    assertEquals(hold, as(alice).getHold(getHold).getHold());
    assertEquals(hold, as(operator).getHold(getHold).getHold());
    assertEquals(
        "NOT_OWNER", errorInfo(failure(() -> as(otherOrchestrator).getHold(getHold))).getReason());
    assertEquals("NOT_OWNER", errorInfo(failure(() -> as(bob).getHold(getHold))).getReason());

    ListHistoryRequest.Builder alices = ListHistoryRequest.newBuilder().setDid(alice.did());
    assertEquals(
        1,
        as(orchestrator).listHistory(alices.clone().setJobId("job-1").build()).getEntriesCount());
    for (ListHistoryRequest outside :
        List.of(alices.clone().build(), alices.clone().setJobId("job-2").build())) {
      assertEquals(
          "NOT_OWNER", errorInfo(failure(() -> as(orchestrator).listHistory(outside))).getReason());
    }
    assertEquals(
        "NOT_OWNER",
        errorInfo(
                failure(
                    () ->
                        as(otherOrchestrator)
                            .listHistory(alices.clone().setJobId("job-1").build())))
            .getReason());

    // Job ids are unique only within one orchestrator: once the other has a "job-1" of its own on
    // Alice's account, and Alice tags a transfer "job-1", each orchestrator still reads only the
    // entries of its own hold.
    Hold others = hold(otherOrchestrator, "h2", alice, 30, "job-1");
    as(alice)
        .transfer(
            TransferRequest.newBuilder()
                .setRequestId("t-job-1")
                .setFromDid(alice.did())
                .setToDid(bob.did())
                .setAmount(5)
                .setJobId("job-1")
                .build());
    ListHistoryRequest job1 = alices.clone().setJobId("job-1").build();
    assertEquals(3, as(alice).listHistory(job1).getEntriesCount(), "Alice sees all three");
    List<String> seenByFirst =
        as(orchestrator).listHistory(job1).getEntriesList().stream()
            .map(e -> e.getHoldId())
            .toList();
    assertEquals(List.of(hold.getHoldId()), seenByFirst);
    List<String> seenBySecond =
        as(otherOrchestrator).listHistory(job1).getEntriesList().stream()
            .map(e -> e.getHoldId())
            .toList();
    assertEquals(List.of(others.getHoldId()), seenBySecond);
  }

  @Test
  void anOrchestratorPostsAndVoidsOnlyTheHoldsItCreated() {
    Hold hold = hold(orchestrator, "h1", alice, 100, "job-1");
    PostHoldRequest post =
        PostHoldRequest.newBuilder()
            .setRequestId("p-other")
            .setHoldId(hold.getHoldId())
            .setPayeeDid(otherOrchestrator.did())
            .setAmount(100)
            .build();
    VoidHoldRequest voidIt =
        VoidHoldRequest.newBuilder().setRequestId("v-other").setHoldId(hold.getHoldId()).build();

    for (Executable stolen :
        List.<Executable>of(
            () -> as(otherOrchestrator).postHold(post),
            () -> as(otherOrchestrator).voidHold(voidIt))) {
      StatusRuntimeException e = failure(stolen);
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
      assertEquals("NOT_HOLD_CREATOR", errorInfo(e).getReason());
      assertEquals(orchestrator.did(), errorInfo(e).getMetadataMap().get("creator"));
    }
    // Within a batch too; a request id the creator used is, from another, a request of its own,
    // which makes a hold of its own rather than answering with the creator's.
    SubmitOperationsResponse batch =
        as(otherOrchestrator)
            .submit(
                SubmitOperationsRequest.newBuilder()
                    .addOperations(Operation.newBuilder().setVoidHold(voidIt))
                    .addOperations(
                        Operation.newBuilder()
                            .setCreateHold(
                                CreateHoldRequest.newBuilder()
                                    .setRequestId("h1")
                                    .setPayerDid(alice.did())
                                    .setAmount(100)
                                    .setJobId("job-1")))
                    .build());
    assertEquals("NOT_HOLD_CREATOR", batch.getResults(0).getError().getReason());
    Hold own = batch.getResults(1).getCreateHold().getHold();
    assertEquals(otherOrchestrator.did(), own.getCreatorDid());
    assertNotEquals(hold.getHoldId(), own.getHoldId());

    assertEquals(
        HoldState.HOLD_STATE_PENDING,
        as(alice)
            .getHold(GetHoldRequest.newBuilder().setHoldId(hold.getHoldId()).build())
            .getHold()
            .getState());
    assertEquals(100, as(orchestrator).voidHold(voidIt).getRefunded());
  }

  @Test
  void ledgerRefusalsCarryTheirReason() {
    StatusRuntimeException e =
        failure(
            () ->
                as(orchestrator)
                    .createHold(
                        CreateHoldRequest.newBuilder()
                            .setRequestId("h1")
                            .setPayerDid(alice.did())
                            .setAmount(1001)
                            .setJobId("job-1")
                            .build()));

    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    ErrorInfo info = errorInfo(e);
    assertEquals("INSUFFICIENT_MANA", info.getReason());
    assertEquals("1000", info.getMetadataMap().get("available"));
    assertEquals("1001", info.getMetadataMap().get("requested"));
  }

  @Test
  void aCallWithoutATokenIsUnauthenticated() {
    StatusRuntimeException e =
        failure(
            () ->
                LedgerServiceGrpc.newBlockingStub(channel)
                    .getAccount(GetAccountRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void aBatchAppliesEachOperationOnItsOwnAndAnswersEachInOrder() {
    Operation bigHold =
        Operation.newBuilder()
            .setCreateHold(
                CreateHoldRequest.newBuilder()
                    .setRequestId("b-h2")
                    .setPayerDid(alice.did())
                    .setAmount(900)
                    .setJobId("job-b"))
            .build();
    SubmitOperationsRequest batch =
        SubmitOperationsRequest.newBuilder()
            .addOperations(
                Operation.newBuilder()
                    .setCreateHold(
                        CreateHoldRequest.newBuilder()
                            .setRequestId("b-h1")
                            .setPayerDid(alice.did())
                            .setAmount(400)
                            .setJobId("job-b")))
            .addOperations(bigHold)
            .addOperations(
                Operation.newBuilder()
                    .setTransfer(
                        TransferRequest.newBuilder()
                            .setRequestId("b-t1")
                            .setFromDid(alice.did())
                            .setToDid(bob.did())
                            .setAmount(250)
                            .setJobId("job-b")))
            .addOperations(
                Operation.newBuilder()
                    .setVoidHold(VoidHoldRequest.newBuilder().setRequestId("b-v1")))
            .addOperations(Operation.getDefaultInstance())
            .build();

    SubmitOperationsResponse response = as(orchestrator).submit(batch);

    assertEquals(5, response.getResultsCount());
    Hold hold = response.getResults(0).getCreateHold().getHold();
    assertEquals(400, hold.getAmount());
    assertEquals("INSUFFICIENT_MANA", response.getResults(1).getError().getReason());
    assertEquals("FAILED_PRECONDITION", response.getResults(1).getError().getCode());
    assertEquals("600", response.getResults(1).getError().getMetadataMap().get("available"));
    // An orchestrator moves no one's mana but through the holds it makes.
    assertEquals("NOT_OWNER", response.getResults(2).getError().getReason());
    assertEquals("PERMISSION_DENIED", response.getResults(2).getError().getCode());
    assertEquals("INVALID_ARGUMENT", response.getResults(3).getError().getCode());
    assertEquals("hold_id", response.getResults(3).getError().getMetadataMap().get("field"));
    assertEquals("INVALID_FIELD", response.getResults(4).getError().getReason());

    // Resent whole, the batch gets the same answers and changes nothing more.
    SubmitOperationsResponse again = as(orchestrator).submit(batch);
    assertEquals(response.getResults(0), again.getResults(0));
    assertEquals(response.getResults(2), again.getResults(2));
    GetAccountResponse account =
        as(alice).getAccount(GetAccountRequest.newBuilder().setDid(alice.did()).build());
    assertEquals(1000, account.getAccount().getBalance());
    assertEquals(400, account.getAccount().getHeld());
    assertEquals(List.of(hold), account.getPendingHoldsList());
    ListHistoryResponse history =
        as(alice).listHistory(ListHistoryRequest.newBuilder().setJobId("job-b").build());
    assertEquals(
        List.of(EntryKind.ENTRY_KIND_HOLD),
        history.getEntriesList().stream().map(e -> e.getKind()).toList());
    assertEquals("b-h1", history.getEntries(0).getRequestId());
    assertEquals(400, history.getEntries(0).getHeldAfter());
  }

  @Test
  void anAmountAboveTheLedgersLargestIsRefusedNamingTheSetting() {
    long above = io.meshwork.ledger.core.ManaLedger.DEFAULT_MAX_AMOUNT + 1;
    StatusRuntimeException mint =
        failure(
            () ->
                as(operator)
                    .mint(
                        MintRequest.newBuilder()
                            .setRequestId("m-big")
                            .setDid(alice.did())
                            .setAmount(above)
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, mint.getStatus().getCode());
    assertEquals("AMOUNT_ABOVE_MAX", errorInfo(mint).getReason());
    assertEquals("ledger.max-amount", errorInfo(mint).getMetadataMap().get("setting"));

    SubmitOperationsResponse response =
        as(orchestrator)
            .submit(
                SubmitOperationsRequest.newBuilder()
                    .addOperations(
                        Operation.newBuilder()
                            .setCreateHold(
                                CreateHoldRequest.newBuilder()
                                    .setRequestId("big-h")
                                    .setPayerDid(alice.did())
                                    .setAmount(Long.MAX_VALUE)
                                    .setJobId("job-big")))
                    .build());
    assertEquals("INVALID_ARGUMENT", response.getResults(0).getError().getCode());
    assertEquals("AMOUNT_ABOVE_MAX", response.getResults(0).getError().getReason());
    assertEquals(
        Long.toString(above - 1), response.getResults(0).getError().getMetadataMap().get("max"));
  }

  @Test
  void batchesAreForOrchestratorsAndTransfersLeaveOnlyTheCallersOwnAccount() {
    StatusRuntimeException submit =
        failure(
            () ->
                as(alice)
                    .submit(
                        SubmitOperationsRequest.newBuilder()
                            .addOperations(
                                Operation.newBuilder()
                                    .setTransfer(
                                        TransferRequest.newBuilder()
                                            .setRequestId("x")
                                            .setFromDid(alice.did())
                                            .setToDid(bob.did())
                                            .setAmount(1)))
                            .build()));
    assertEquals(Status.Code.PERMISSION_DENIED, submit.getStatus().getCode());
    assertEquals("ROLE_REQUIRED", errorInfo(submit).getReason());

    TransferRequest.Builder fromAlice =
        TransferRequest.newBuilder().setFromDid(alice.did()).setToDid(bob.did()).setAmount(10);
    for (Identity notAlice : List.of(bob, orchestrator)) {
      StatusRuntimeException stolen =
          failure(() -> as(notAlice).transfer(fromAlice.clone().setRequestId("t-theft").build()));
      assertEquals(Status.Code.PERMISSION_DENIED, stolen.getStatus().getCode());
      assertEquals("NOT_OWNER", errorInfo(stolen).getReason());
    }
    assertEquals(
        990,
        as(alice).transfer(fromAlice.clone().setRequestId("t-own").build()).getFrom().getBalance());
    assertEquals(
        980,
        as(operator)
            .transfer(fromAlice.clone().setRequestId("t-operator").build())
            .getFrom()
            .getBalance());

    StatusRuntimeException empty =
        failure(() -> as(orchestrator).submit(SubmitOperationsRequest.getDefaultInstance()));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
  }

  @Test
  void aCallerCannotTakeTheRequestIdsAnotherCallerWillUse() {
    Hold hold = hold(orchestrator, "hold:o:job-7", alice, 300, "job-7");
    String payId = "pay:o:task-7";
    // Alice guesses the id the orchestrator will pay its executor under and uses it first.
    as(alice)
        .transfer(
            TransferRequest.newBuilder()
                .setRequestId(payId)
                .setFromDid(alice.did())
                .setToDid(bob.did())
                .setAmount(1)
                .build());
    PostHoldRequest pay =
        PostHoldRequest.newBuilder()
            .setRequestId(payId)
            .setHoldId(hold.getHoldId())
            .setPayeeDid(bob.did())
            .setAmount(120)
            .setFinal(true)
            .build();
    // The orchestrator's post is its own request: it pays, rather than failing as a reused id,
    // and its retry answers its own first outcome.
    assertEquals(120, as(orchestrator).postHold(pay).getHold().getPosted());
    assertEquals(120, as(orchestrator).postHold(pay).getHold().getPosted());
    // Another orchestrator's use of the same id is a request of its own, refused for the hold it
    // does not own.
    assertEquals(
        "NOT_HOLD_CREATOR",
        errorInfo(failure(() -> as(otherOrchestrator).postHold(pay))).getReason());
    assertEquals(
        1_000 - 1 - 120,
        as(alice).getAccount(GetAccountRequest.getDefaultInstance()).getAccount().getBalance());
  }

  private Hold hold(Identity by, String requestId, Identity payer, long amount, String jobId) {
    return as(by)
        .createHold(
            CreateHoldRequest.newBuilder()
                .setRequestId(requestId)
                .setPayerDid(payer.did())
                .setAmount(amount)
                .setJobId(jobId)
                .build())
        .getHold();
  }

  private static StatusRuntimeException failure(Executable call) {
    return assertThrows(StatusRuntimeException.class, call);
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status != null) {
      for (Any detail : status.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            return detail.unpack(ErrorInfo.class);
          } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            throw new AssertionError(ex);
          }
        }
      }
    }
    throw new AssertionError("no ErrorInfo in " + e.getStatus());
  }
}
