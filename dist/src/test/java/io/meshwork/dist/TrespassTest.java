package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetComputeCapacityRequest;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.Account;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.GetHoldRequest;
import io.meshwork.ledger.v1.Hold;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.ListHistoryRequest;
import io.meshwork.ledger.v1.Operation;
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.SubmitOperationsRequest;
import io.meshwork.ledger.v1.TransferRequest;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trespass against a mesh of separate processes: an executor, another user or a flooding caller
 * tries what its role does not allow, with real keys and real tokens, and is refused with the
 * status and reason docs/AUTH.md names, while nothing moves: balances, holds, history and the
 * victim's job are as they were.
 *
 * <p>One mesh serves every test (each test uses callers of its own); its orchestrator lets a user
 * hold only {@link #USER_QUOTA} live tokens, so that the flood test reaches the quota quickly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrespassTest {
  private static final int USER_QUOTA = 150;
  private static final String COMPUTE = ComputeServiceGrpc.SERVICE_NAME;

  // Static, so that it exists before the mesh starts in @BeforeAll.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dataDir;

  private MeshProcesses mesh;
  private ManagedChannel ledger;
  private ManagedChannel orchestrator;
  private final List<ManagedChannel> partyChannels = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startMesh() throws Exception {
    mesh =
        new MeshProcesses(
            dataDir,
            List.of("honest", "honest"),
            MeshProcesses.tolerantTimings("auth.replay.user-quota", Integer.toString(USER_QUOTA)));
    ledger = mesh.channel("ledger");
    orchestrator = mesh.channel("orchestrator");
  }

  @AfterAll
  void stopMesh() {
    if (ledger != null) {
      ledger.shutdownNow();
      orchestrator.shutdownNow();
    }
    partyChannels.forEach(ManagedChannel::shutdownNow);
    if (mesh != null) {
      mesh.close();
    }
  }

  /** The ledger as {@code caller} calls it with a token: a user, whoever the caller is. */
  private LedgerServiceGrpc.LedgerServiceBlockingStub ledgerAs(Identity caller) {
    return LedgerServiceGrpc.newBlockingStub(ledger)
        .withCallCredentials(new BearerCredentials(caller))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /**
   * The ledger as the mesh's party {@code party} calls it, presenting its certificate: with the
   * roles the ledger's lists give it. The channel is closed when the test class ends.
   */
  private LedgerServiceGrpc.LedgerServiceBlockingStub ledgerWithCertificateOf(Identity party) {
    ManagedChannel channel = mesh.partyChannel("ledger", party);
    partyChannels.add(channel);
    return LedgerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** A stub that presents exactly {@code token}, however the call is addressed. */
  private static <S extends AbstractStub<S>> S withToken(S stub, String token) {
    Metadata headers = new Metadata();
    headers.put(BearerCredentials.AUTHORIZATION, "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** Asserts that {@code call} fails with {@code code} and the reason {@code reason}. */
  private static MeshClientException refused(Status.Code code, String reason, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    MeshClientException m = MeshClientException.fromGrpc(e);
    assertEquals(code, m.code(), m.getMessage());
    assertEquals(Optional.of(reason), m.reason(), m.getMessage());
    return m;
  }

  /** Everything the ledger keeps of one account that an attack might move. */
  private record AccountState(Account account, List<Hold> holds, int historyEntries) {}

  private AccountState state(Identity owner) {
    var account = ledgerAs(owner).getAccount(GetAccountRequest.getDefaultInstance());
    int entries =
        ledgerAs(owner)
            .listHistory(ListHistoryRequest.newBuilder().setPageSize(1_000).build())
            .getEntriesCount();
    return new AccountState(account.getAccount(), account.getPendingHoldsList(), entries);
  }

  @Test
  void anExecutorCanNeitherMoveNorReadAUsersMana() {
    Identity user = Identity.generate();
    Identity executor = mesh.identity(MeshLayout.executor(1));
    Identity orchestratorKey = mesh.identity("orchestrator");
    // A real pending hold on the user's account, made as the orchestrator makes one for a job:
    // with its certificate.
    var asOrchestrator = ledgerWithCertificateOf(orchestratorKey);
    Hold hold =
        asOrchestrator
            .createHold(
                CreateHoldRequest.newBuilder()
                    .setRequestId("hold:trespass:" + user.did())
                    .setPayerDid(user.did())
                    .setAmount(40)
                    .setJobId("trespass-job")
                    .setTimeoutMs(600_000)
                    .build())
            .getHold();
    AccountState userBefore = state(user);
    AccountState executorBefore = state(executor);
    // With its token (over TLS, a token is only ever a user) and with its own certificate (an
    // executor is no orchestrator of the ledger's).
    for (var asExecutor : List.of(ledgerAs(executor), ledgerWithCertificateOf(executor))) {

      refused(
          Status.Code.PERMISSION_DENIED,
          "NOT_OWNER",
          () ->
              asExecutor.transfer(
                  TransferRequest.newBuilder()
                      .setRequestId("steal-1")
                      .setFromDid(user.did())
                      .setToDid(executor.did())
                      .setAmount(10)
                      .build()));
      PostHoldRequest post =
          PostHoldRequest.newBuilder()
              .setRequestId("steal-2")
              .setHoldId(hold.getHoldId())
              .setPayeeDid(executor.did())
              .setAmount(40)
              .setFinal(true)
              .build();
      MeshClientException postRefusal =
          refused(Status.Code.PERMISSION_DENIED, "ROLE_REQUIRED", () -> asExecutor.postHold(post));
      assertTrue(postRefusal.getMessage().contains("orchestrator"), postRefusal.getMessage());
      refused(
          Status.Code.PERMISSION_DENIED,
          "ROLE_REQUIRED",
          () ->
              asExecutor.voidHold(
                  VoidHoldRequest.newBuilder()
                      .setRequestId("steal-3")
                      .setHoldId(hold.getHoldId())
                      .build()));
      refused(
          Status.Code.PERMISSION_DENIED,
          "ROLE_REQUIRED",
          () ->
              asExecutor.createHold(
                  CreateHoldRequest.newBuilder()
                      .setRequestId("steal-4")
                      .setPayerDid(user.did())
                      .setAmount(10)
                      .setJobId("not-a-job")
                      .build()));
      refused(
          Status.Code.PERMISSION_DENIED,
          "ROLE_REQUIRED",
          () ->
              asExecutor.submit(
                  SubmitOperationsRequest.newBuilder()
                      .addOperations(Operation.newBuilder().setPostHold(post))
                      .build()));
      refused(
          Status.Code.PERMISSION_DENIED,
          "NOT_OWNER",
          () -> asExecutor.getAccount(GetAccountRequest.newBuilder().setDid(user.did()).build()));
      refused(
          Status.Code.PERMISSION_DENIED,
          "NOT_OWNER",
          () -> asExecutor.listHistory(ListHistoryRequest.newBuilder().setDid(user.did()).build()));
      refused(
          Status.Code.PERMISSION_DENIED,
          "NOT_OWNER",
          () ->
              asExecutor.getHold(GetHoldRequest.newBuilder().setHoldId(hold.getHoldId()).build()));
    }
    assertEquals(userBefore, state(user), "the user's account, holds and history are unchanged");
    assertEquals(executorBefore, state(executor), "the executor gained nothing");
    assertEquals(40, ledgerAs(user).getHold(holdRequest(hold)).getHold().getRemaining());
    asOrchestrator.voidHold(
        VoidHoldRequest.newBuilder()
            .setRequestId("void:trespass:" + user.did())
            .setHoldId(hold.getHoldId())
            .build());
  }

  private static GetHoldRequest holdRequest(Hold hold) {
    return GetHoldRequest.newBuilder().setHoldId(hold.getHoldId()).build();
  }

  @Test
  void neitherAnExecutorNorAnotherUserCanReadOrCancelAUsersJob() throws Exception {
    Identity owner = Identity.generate();
    byte[] text = SampleText.generate(4_000, 11);
    try (MeshClient victim = mesh.client(owner);
        MeshClient executor = mesh.client(mesh.identity(MeshLayout.executor(2)));
        MeshClient stranger = mesh.client(Identity.generate())) {
      String jobId = victim.submit(MeshFixtures.wordCountJob(text, 1_000).manaBudget(400).build());
      for (MeshClient trespasser : List.of(executor, stranger)) {
        List<Supplier<?>> calls =
            List.of(
                () -> trespasser.status(jobId),
                () -> trespasser.result(jobId, Duration.ofSeconds(1)),
                () -> trespasser.placements(jobId),
                () -> trespasser.cancel(jobId),
                () -> {
                  try (var watch = trespasser.watch(jobId)) {
                    return watch.next();
                  }
                });
        for (Supplier<?> call : calls) {
          MeshClientException e = assertThrows(MeshClientException.class, call::get);
          assertEquals(Status.Code.PERMISSION_DENIED, e.code(), e.getMessage());
          assertEquals(Optional.of("NOT_OWNER"), e.reason(), e.getMessage());
        }
      }
      // The job was neither cancelled nor disturbed: it counts the words and pays as usual.
      JobResult result =
          MeshFixtures.awaitWordCount(victim, jobId, text, Duration.ofSeconds(120), "the job");
      assertEquals("completed", result.status().getStatus());
    }
  }

  @Test
  void aTokenMintedForTheOrchestratorIsRefusedAtTheLedger() {
    Identity user = Identity.generate();
    Identity orchestratorKey = mesh.identity("orchestrator");
    AccountState before = state(user);
    // The user's token for the orchestrator, used there once as meant.
    String userToken = BearerTokens.mint(user, COMPUTE, Instant.now(), Duration.ofMinutes(2));
    withToken(ComputeServiceGrpc.newBlockingStub(orchestrator), userToken)
        .getComputeCapacity(GetComputeCapacityRequest.getDefaultInstance());
    // Whoever saw it in flight replays it at the ledger: the audience is wrong.
    MeshClientException e =
        refused(
            Status.Code.UNAUTHENTICATED,
            "UNAUTHENTICATED",
            () ->
                withToken(LedgerServiceGrpc.newBlockingStub(ledger), userToken)
                    .getAccount(GetAccountRequest.getDefaultInstance()));
    assertTrue(e.getMessage().contains(COMPUTE), e.getMessage());
    // A token the orchestrator signs for an executor, replayed at the ledger by that executor,
    // cannot make a hold on anyone's account, though the orchestrator itself could.
    String orchestratorToken =
        BearerTokens.mint(
            orchestratorKey,
            io.meshwork.executor.v1.ExecutorServiceGrpc.SERVICE_NAME,
            Instant.now(),
            Duration.ofMinutes(2));
    refused(
        Status.Code.UNAUTHENTICATED,
        "UNAUTHENTICATED",
        () ->
            withToken(LedgerServiceGrpc.newBlockingStub(ledger), orchestratorToken)
                .createHold(
                    CreateHoldRequest.newBuilder()
                        .setRequestId("replayed-hold")
                        .setPayerDid(user.did())
                        .setAmount(10)
                        .setJobId("replayed-job")
                        .build()));
    // Even a token the orchestrator's key signs for the ledger itself makes no hold without the
    // orchestrator's certificate: over TLS a token is a user, whatever the role lists say.
    String ledgerToken =
        BearerTokens.mint(
            orchestratorKey, LedgerServiceGrpc.SERVICE_NAME, Instant.now(), Duration.ofMinutes(2));
    MeshClientException noCertificate =
        refused(
            Status.Code.PERMISSION_DENIED,
            "ROLE_REQUIRED",
            () ->
                withToken(LedgerServiceGrpc.newBlockingStub(ledger), ledgerToken)
                    .createHold(
                        CreateHoldRequest.newBuilder()
                            .setRequestId("tokened-hold")
                            .setPayerDid(user.did())
                            .setAmount(10)
                            .setJobId("tokened-job")
                            .build()));
    assertTrue(
        noCertificate.metadata().containsKey("certificate_roles"), noCertificate.getMessage());
    // And a token used once is not taken twice, even where it was addressed.
    refused(
        Status.Code.UNAUTHENTICATED,
        "UNAUTHENTICATED",
        () ->
            withToken(ComputeServiceGrpc.newBlockingStub(orchestrator), userToken)
                .getComputeCapacity(GetComputeCapacityRequest.getDefaultInstance()));
    assertEquals(before, state(user), "nothing moved on the user's account");
  }

  @Test
  void oneCallerFloodingFreshTokensIsRefusedWhileAnotherCallersJobRuns() throws Exception {
    Identity flooder = Identity.generate();
    Identity worker = Identity.generate();
    byte[] text = SampleText.generate(3_000, 13);
    try (MeshClient honest = mesh.client(worker)) {
      String jobId = honest.submit(MeshFixtures.wordCountJob(text, 1_000).manaBudget(400).build());
      JobResult[] result = new JobResult[1];
      CompletableFuture<Void> job =
          CompletableFuture.runAsync(
              () ->
                  result[0] =
                      MeshFixtures.awaitWordCount(
                          honest, jobId, text, Duration.ofSeconds(120), "the honest job"));
      // Each call carries a fresh token with a fresh jti, as a flooder would send them.
      var flood =
          ComputeServiceGrpc.newBlockingStub(orchestrator)
              .withCallCredentials(new BearerCredentials(flooder));
      int served = 0;
      MeshClientException stopped = null;
      while (stopped == null && served <= USER_QUOTA) {
        try {
          flood
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .getComputeCapacity(GetComputeCapacityRequest.getDefaultInstance());
          served++;
        } catch (StatusRuntimeException e) {
          stopped = MeshClientException.fromGrpc(e);
        }
      }
      assertEquals(USER_QUOTA, served, "the flooder's live tokens up to its quota were taken");
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, stopped.code(), stopped.getMessage());
      assertEquals(Optional.of("REPLAY_QUOTA"), stopped.reason(), stopped.getMessage());
      // Everyone else is served: another caller's fresh tokens, and the job running meanwhile.
      var other =
          ComputeServiceGrpc.newBlockingStub(orchestrator)
              .withCallCredentials(new BearerCredentials(Identity.generate()));
      for (int i = 0; i < 20; i++) {
        other
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .getComputeCapacity(GetComputeCapacityRequest.getDefaultInstance());
      }
      job.get(180, TimeUnit.SECONDS);
      assertTrue(result[0].success());
      // The flooder stays refused while its tokens live.
      StatusRuntimeException again =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  flood
                      .withDeadlineAfter(20, TimeUnit.SECONDS)
                      .getComputeCapacity(GetComputeCapacityRequest.getDefaultInstance()));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, again.getStatus().getCode());
    }
  }
}
