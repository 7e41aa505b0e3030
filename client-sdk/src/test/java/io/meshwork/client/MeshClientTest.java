package io.meshwork.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.Account;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.ledger.v1.Hold;
import io.meshwork.ledger.v1.Regeneration;
import io.meshwork.mesh.v1.ResourceLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshClientTest {
  private static final byte[] MODULE = "\0asm-module".getBytes(StandardCharsets.UTF_8);

  private final Identity identity = Identity.generate();
  private FakeMesh mesh;
  private MeshClient client;

  @BeforeEach
  void start() throws Exception {
    mesh = new FakeMesh();
    client = mesh.client(MeshClientOptions.newBuilder().identity(identity).build());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    mesh.close();
  }

  @Test
  void submitCarriesEveryJobSettingInTheManifest() {
    JobRequest job =
        JobRequest.newBuilder()
            .wasmModule(MODULE)
            .input("a b\nc\n".getBytes(StandardCharsets.UTF_8))
            .splitStrategy(SplitStrategy.ROW_BASED)
            .minChunkSize(10)
            .maxChunkSize(4096)
            .verificationMode(VerificationMode.NONE)
            .timeoutSecs(120)
            .retryCount(3)
            .priority(Priority.CRITICAL)
            .redundancy(2)
            .manaBudget(750)
            .limits(ResourceLimits.newBuilder().setFuel(5_000).setWallTimeMs(900).build())
            .jobId("my-job")
            .build();

    String id = client.submit(job);

    assertEquals("my-job", id);
    ComputeJobManifest sent = mesh.manifests.get(0);
    ComputeJobManifest expected =
        ComputeJobManifest.newBuilder()
            .setJobId("my-job")
            .setWasmModule(ByteString.copyFrom(MODULE))
            .setInputData(ByteString.copyFromUtf8("a b\nc\n"))
            .setSplitStrategy("row_based")
            .setMinChunkSize(10)
            .setMaxChunkSize(4096)
            .setVerificationMode("none")
            .setTimeoutSecs(120)
            .setRetryCount(3)
            .setPriority("critical")
            .setRedundancy(2)
            .setManaBudget(750)
            .setLimits(ResourceLimits.newBuilder().setFuel(5_000).setWallTimeMs(900))
            .build();
    assertEquals(expected, sent);
  }

  @Test
  void submitWithoutSettingsSendsTheDocumentedDefaultsAndGetsAServerId() {
    String id =
        client.submit(JobRequest.newBuilder().wasmModule(MODULE).input(new byte[0]).build());

    assertEquals("job-1", id);
    ComputeJobManifest sent = mesh.manifests.get(0);
    assertEquals("", sent.getJobId());
    assertEquals("none", sent.getSplitStrategy());
    assertEquals("hash", sent.getVerificationMode());
    assertEquals("medium", sent.getPriority());
    assertEquals(0, sent.getMaxChunkSize());
    assertEquals(0, sent.getManaBudget());
  }

  @Test
  void everyCallCarriesABearerTokenOfTheClientsIdentityForTheServiceCalled() {
    client.submit(JobRequest.newBuilder().wasmModule(MODULE).input(new byte[0]).build());
    client.balance();

    assertEquals(2, mesh.authorizations.size());
    List<String> audiences = new ArrayList<>();
    for (String header : mesh.authorizations) {
      assertTrue(header.startsWith("Bearer "), header);
      String[] parts = header.substring("Bearer ".length()).split("\\.");
      String decoded = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
      assertTrue(decoded.contains(identity.did()), decoded);
      String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      audiences.add(claims.replaceAll(".*\"aud\":\"([^\"]*)\".*", "$1"));
    }
    // Each token is good only at the service it was sent to.
    assertEquals(
        List.of("meshwork.compute.v1.ComputeService", "meshwork.ledger.v1.LedgerService"),
        audiences);
    // A token per call: the server refuses a replayed one.
    assertFalse(mesh.authorizations.get(0).equals(mesh.authorizations.get(1)));
  }

  @Test
  void invalidArgumentWithErrorInfoBecomesAnExceptionWithTheReason() {
    JobRequest job =
        JobRequest.newBuilder()
            .wasmModule("bad module".getBytes(StandardCharsets.UTF_8))
            .input(new byte[0])
            .build();

    MeshClientException e = assertThrows(MeshClientException.class, () -> client.submit(job));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals(Optional.of(FakeMesh.INVALID_MODULE), e.reason());
    assertEquals("compute.meshwork.io", e.domain());
    assertEquals("x", e.metadata().get("job_id"));
    assertEquals("wasm_module: the module has no export named execute", e.getMessage());
  }

  @Test
  void aSubmissionTheOrchestratorDidNotAcceptIsAnException() {
    JobRequest job =
        JobRequest.newBuilder()
            .wasmModule("refused".getBytes(StandardCharsets.UTF_8))
            .input(new byte[0])
            .build();

    MeshClientException e = assertThrows(MeshClientException.class, () -> client.submit(job));

    assertEquals(Optional.of(MeshClientException.JOB_NOT_ACCEPTED), e.reason());
    assertEquals("no executors", e.getMessage());
  }

  @Test
  void notFoundStatusCarriesItsReason() {
    MeshClientException e = assertThrows(MeshClientException.class, () -> client.status("nope"));

    assertEquals(Status.Code.NOT_FOUND, e.code());
    assertEquals(Optional.of("JOB_NOT_FOUND"), e.reason());
  }

  @Test
  void statusReturnsTheOrchestratorsStatus() {
    ComputeJobStatus status = FakeMesh.status("j", "computing", 3, 4);
    mesh.statuses.put("j", status);

    assertEquals(status, client.status("j"));
  }

  @Test
  void aCallPastItsDeadlineFailsWithDeadlineExceeded() {
    mesh.statuses.put("slow", FakeMesh.status("slow", "pending", 0, 0));
    MeshClient hurried =
        mesh.client(
            MeshClientOptions.newBuilder()
                .identity(identity)
                .callDeadline(Duration.ofMillis(100))
                .build());

    MeshClientException e = assertThrows(MeshClientException.class, () -> hurried.status("slow"));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    assertEquals(Optional.empty(), e.reason());
  }

  @Test
  void watchStreamsEveryUpdateUntilTheJobEnds() {
    List<ComputeJobStatus> updates =
        List.of(
            FakeMesh.status("w", "pending", 0, 0),
            FakeMesh.status("w", "computing", 1, 3),
            FakeMesh.status("w", "computing", 2, 3),
            FakeMesh.status("w", "completed", 3, 3));
    mesh.updates.put("w", updates);

    List<ComputeJobStatus> seen = new ArrayList<>();
    try (JobWatch watch = client.watch("w")) {
      watch.forEachRemaining(seen::add);
    }

    assertEquals(updates, seen);
  }

  @Test
  void closingAWatchEarlyCancelsTheStream() throws Exception {
    mesh.updates.put("open", List.of(FakeMesh.status("open", "computing", 1, 9)));

    try (JobWatch watch = client.watch("open")) {
      assertEquals("computing", watch.next().getStatus());
    }

    assertTrue(mesh.openWatchCancelled.await(5, TimeUnit.SECONDS));
  }

  @Test
  void watchingAnUnknownJobFailsWithTheReason() {
    MeshClientException e =
        assertThrows(
            MeshClientException.class,
            () -> {
              try (JobWatch watch = client.watch("nope")) {
                watch.hasNext();
              }
            });

    assertEquals(Optional.of("JOB_NOT_FOUND"), e.reason());
  }

  @Test
  void resultReturnsBytesThatMatchTheirCidAndTheReceipts() {
    byte[] bytes = "42\n".getBytes(StandardCharsets.UTF_8);
    ReceiptRef receipt =
        ReceiptRef.newBuilder()
            .setTaskId("r:0")
            .setReceiptCid("bafkreceipt")
            .setLogIndex(7)
            .setExecutorDid("did:key:z6MkExecutor")
            .setPrice(5)
            .build();
    mesh.results.put(
        "r",
        GetJobResultResponse.newBuilder()
            .setSuccess(true)
            .setResult(ByteString.copyFrom(bytes))
            .setResultCid(Cid.of(bytes))
            .addReceipts(receipt)
            .setStatus(FakeMesh.status("r", "completed", 1, 1))
            .build());

    JobResult result = client.result("r", Duration.ofSeconds(3));

    assertTrue(result.success());
    assertArrayEquals(bytes, result.bytes());
    assertEquals(Optional.of(Cid.of(bytes)), result.resultCid());
    assertEquals(List.of(receipt), result.receipts());
    assertEquals("completed", result.status().getStatus());
    assertEquals(List.of(3_000), mesh.resultTimeouts);
  }

  @Test
  void resultWhoseBytesDoNotMatchTheirCidIsRefused() {
    mesh.results.put(
        "r",
        GetJobResultResponse.newBuilder()
            .setSuccess(true)
            .setResult(ByteString.copyFromUtf8("tampered"))
            .setResultCid(Cid.of("original".getBytes(StandardCharsets.UTF_8)))
            .build());

    MeshClientException e =
        assertThrows(MeshClientException.class, () -> client.result("r", Duration.ZERO));

    assertEquals(Status.Code.DATA_LOSS, e.code());
    assertEquals(Optional.of(MeshClientException.RESULT_CID_MISMATCH), e.reason());
  }

  @Test
  void aJobStillRunningGivesAnUnsuccessfulResult() {
    mesh.results.put(
        "r",
        GetJobResultResponse.newBuilder()
            .setSuccess(false)
            .setErrorMsg("still running")
            .setStatus(FakeMesh.status("r", "computing", 1, 2))
            .build());

    JobResult result = client.result("r", Duration.ZERO);

    assertFalse(result.success());
    assertEquals("still running", result.error());
    assertEquals(0, result.size());
    assertEquals(Optional.empty(), result.resultCid());
  }

  @Test
  void cancelReportsWhetherTheJobWasStopped() {
    mesh.cancellable.put("running", true);
    mesh.cancellable.put("done", false);

    assertTrue(client.cancel("running"));
    assertFalse(client.cancel("done"));
  }

  @Test
  void balanceReadsTheClientsOwnAccountWithItsHoldsAndRegeneration() {
    Hold hold =
        Hold.newBuilder()
            .setHoldId("hold_1")
            .setJobId("job-7")
            .setAmount(200)
            .setRemaining(200)
            .build();
    mesh.pendingHolds.add(hold);
    mesh.regeneration =
        Regeneration.newBuilder().setAmount(7).setIntervalMs(3_000).setCap(2_000).build();

    Balance balance = client.balance();

    assertEquals(identity.did(), balance.getDid());
    assertEquals(1_000, balance.getBalance());
    assertEquals(200, balance.getHeld());
    assertEquals(800, balance.getAvailable());
    assertEquals(List.of(hold), balance.pendingHolds());
    assertTrue(balance.regenerating());
    // One unit every 3000/7 ms, and 1000 units to go: 428,571.4 ms.
    assertEquals(Optional.of(Duration.ofMillis(429)), balance.nextUnitWithin());
    assertEquals(Optional.of(Duration.ofMillis(428_572)), balance.fullIn());
    assertEquals(List.of(identity.did()), mesh.accountRequests);
  }

  @Test
  void aBalanceAtTheCapOrWithoutARuleDoesNotRegenerate() {
    Account account = Account.newBuilder().setBalance(2_000).build();
    Regeneration rule =
        Regeneration.newBuilder().setAmount(7).setIntervalMs(3_000).setCap(2_000).build();

    Balance atCap = new Balance(account, List.of(), rule);
    Balance off = new Balance(account, List.of(), Regeneration.getDefaultInstance());

    assertTrue(atCap.regenerationEnabled());
    assertFalse(atCap.regenerating());
    assertEquals(Optional.empty(), atCap.nextUnitWithin());
    assertFalse(off.regenerationEnabled());
    assertEquals(Optional.empty(), off.fullIn());
  }

  @Test
  void historyFollowsPagesUpToTheLimit() {
    for (int i = 5; i >= 1; i--) {
      mesh.history.add(entry(i, i % 2 == 0 ? "even" : "odd"));
    }

    List<HistoryEntry> four = client.history(Optional.empty(), 4);
    List<HistoryEntry> odd = client.history(Optional.of("odd"), 100);

    assertEquals(List.of(5L, 4L, 3L, 2L), four.stream().map(HistoryEntry::getEntryId).toList());
    assertEquals(List.of(5L, 3L, 1L), odd.stream().map(HistoryEntry::getEntryId).toList());
    assertEquals(identity.did(), mesh.historyRequests.get(0).getDid());
    assertEquals(4, mesh.historyRequests.get(0).getPageSize());
    assertEquals(2, mesh.historyRequests.get(1).getPageSize());
  }

  @Test
  void connectTalksToTheMeshOverTlsWithSignedCalls(@TempDir Path caDir) throws Exception {
    io.grpc.Server netty = mesh.startNettyTls(caDir);
    try {
      String target = "localhost:" + netty.getPort();
      MeshClientOptions options =
          MeshClientOptions.newBuilder()
              .identity(identity)
              .orchestratorTarget(target)
              .ledgerTarget(target)
              .caCertificate(caDir.resolve("ca.pem"))
              .build();
      try (MeshClient connected = MeshClient.connect(options)) {
        assertEquals(
            "job-1",
            connected.submit(
                JobRequest.newBuilder().wasmModule(MODULE).input(new byte[0]).build()));
        assertEquals(identity.did(), connected.balance().getDid());
      }
      assertTrue(mesh.authorizations.stream().allMatch(h -> h.startsWith("Bearer ")));
    } finally {
      netty.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aServerWhoseCaTheClientDoesNotTrustFailsWithAHintAtTheCaFile(@TempDir Path caDir)
      throws Exception {
    io.grpc.Server netty = mesh.startNettyTls(caDir);
    try {
      String target = "127.0.0.1:" + netty.getPort();
      MeshClientOptions options =
          MeshClientOptions.newBuilder()
              .identity(identity)
              .orchestratorTarget(target)
              .ledgerTarget(target)
              .home(caDir.resolve("no-home"))
              .callDeadline(Duration.ofSeconds(10))
              .build();
      try (MeshClient untrusting = MeshClient.connect(options)) {
        MeshClientException e =
            assertThrows(MeshClientException.class, () -> untrusting.status("j"));
        assertEquals(Status.Code.UNAVAILABLE, e.code());
        assertTrue(
            e.getMessage()
                .startsWith(
                    "cannot reach the orchestrator at "
                        + target
                        + " over TLS (trust the mesh's CA with --cacert FILE"),
            e.getMessage());
      }
      assertTrue(mesh.authorizations.isEmpty(), "no call reached the fake");
    } finally {
      netty.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aJobLargerThanTheClientsMessageLimitFailsAtOnceWithoutSendingIt() throws Exception {
    // Over Netty, where grpc-java itself would log the failure and leave the call hanging.
    io.grpc.Server netty = mesh.startNetty();
    try {
      String target = "localhost:" + netty.getPort();
      MeshClientOptions options =
          MeshClientOptions.newBuilder()
              .identity(identity)
              .orchestratorTarget(target)
              .ledgerTarget(target)
              .plaintext(true)
              .maxMessageBytes(1 << 20)
              .build();
      JobRequest job = JobRequest.newBuilder().wasmModule(MODULE).input(new byte[2 << 20]).build();
      try (MeshClient connected = MeshClient.connect(options)) {
        MeshClientException e =
            assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(MeshClientException.class, () -> connected.submit(job)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
        assertEquals(Optional.of(MeshClientException.MESSAGE_TOO_LARGE), e.reason());
        assertTrue(e.getMessage().contains("the client's limit of 1048576 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("as a blob"), e.getMessage());
      }
      assertTrue(mesh.manifests.isEmpty());
    } finally {
      netty.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aJobLargerThanTheServersMessageLimitIsRefusedAsTooLarge() throws Exception {
    // The fake's Netty server keeps gRPC's default limit of 4 MiB; the client allows 64 MiB.
    io.grpc.Server netty = mesh.startNetty();
    try {
      String target = "localhost:" + netty.getPort();
      MeshClientOptions options =
          MeshClientOptions.newBuilder()
              .identity(identity)
              .orchestratorTarget(target)
              .ledgerTarget(target)
              .plaintext(true)
              .build();
      JobRequest job = JobRequest.newBuilder().wasmModule(MODULE).input(new byte[5 << 20]).build();
      try (MeshClient connected = MeshClient.connect(options)) {
        MeshClientException e =
            assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(MeshClientException.class, () -> connected.submit(job)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
        assertEquals(Optional.of(MeshClientException.MESSAGE_TOO_LARGE), e.reason());
        assertTrue(e.getMessage().contains("what the orchestrator accepts"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
      }
    } finally {
      netty.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void plaintextReachesAMeshRunWithoutTls() throws Exception {
    io.grpc.Server netty = mesh.startNetty();
    try {
      String target = "localhost:" + netty.getPort();
      MeshClientOptions options =
          MeshClientOptions.newBuilder()
              .identity(identity)
              .orchestratorTarget(target)
              .ledgerTarget(target)
              .plaintext(true)
              .build();
      try (MeshClient connected = MeshClient.connect(options)) {
        assertEquals(identity.did(), connected.balance().getDid());
      }
    } finally {
      netty.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anUnreachableMeshFailsWithUnavailable() {
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .identity(identity)
            .orchestratorTarget("localhost:1")
            .callDeadline(Duration.ofSeconds(5))
            .build();
    try (MeshClient unreachable = MeshClient.connect(options)) {
      MeshClientException e =
          assertThrows(MeshClientException.class, () -> unreachable.status("j"));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertTrue(
          e.getMessage().startsWith("cannot reach the orchestrator at localhost:1: "),
          e.getMessage());
    }
  }

  @Test
  void historyRefusesALimitBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> client.history(Optional.empty(), 0));
  }

  static HistoryEntry entry(long id, String jobId) {
    return HistoryEntry.newBuilder()
        .setEntryId(id)
        .setKind(EntryKind.ENTRY_KIND_POST)
        .setBalanceDelta(-id)
        .setBalanceAfter(1_000 - id)
        .setJobId(jobId)
        .setAt(1_700_000_000_000L + id * 1000)
        .build();
  }
}
