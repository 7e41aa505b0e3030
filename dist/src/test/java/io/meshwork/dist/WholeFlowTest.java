package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.content.Cid;
import io.meshwork.executor.v1.AnnounceBatchRequest;
import io.meshwork.executor.v1.AnnounceBatchResponse;
import io.meshwork.executor.v1.AnnounceRequest;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.AssignTasksRequest;
import io.meshwork.executor.v1.AssignTasksResponse;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.mesh.v1.MeshJobParams;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.wasm.abi.SampleText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job flow through the production wiring: every service its own gRPC server on a loopback
 * port (in one JVM), a client identity of its own, real WASM, real signatures, SQLite.
 */
class WholeFlowTest {
  @TempDir static Path dataDir;
  static DevMesh mesh;

  /**
   * A channel to executor-1 as the mesh's orchestrator (mutual TLS with a certificate for its
   * identity), for the tests that call an executor as the orchestrator would.
   */
  static ManagedChannel firstExecutor;

  /** A channel to executor-1 as a user: TLS without a client certificate. */
  static ManagedChannel firstExecutorAsUser;

  @BeforeAll
  static void startMesh() {
    mesh = DevMesh.start(dataDir, MeshFixtures.freeLayout(2), Map.of("rfc0016.t2-ms", "2000"));
    firstExecutor =
        MeshFixtures.partyChannel(
            mesh, "executor-1", MeshFixtures.serviceIdentity(dataDir, "orchestrator"));
    firstExecutorAsUser = MeshFixtures.userChannel(mesh, "executor-1");
  }

  @AfterAll
  static void stopMesh() {
    if (firstExecutor != null) {
      firstExecutor.shutdownNow();
    }
    if (firstExecutorAsUser != null) {
      firstExecutorAsUser.shutdownNow();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  private static MeshClient client(Identity identity) {
    return MeshFixtures.client(mesh, identity);
  }

  @Test
  void wordCountRunsAcrossExecutorsAndEveryUnitOfManaIsAccountedFor() throws Exception {
    byte[] text = SampleText.generate(300_000, 7);
    Identity user = Identity.generate();
    Identity[] executorIds = {
      MeshFixtures.serviceIdentity(dataDir, "executor-1"),
      MeshFixtures.serviceIdentity(dataDir, "executor-2")
    };
    String[] executors = {executorIds[0].did(), executorIds[1].did()};
    int ledger = mesh.endpoint("ledger").grpcPort();
    try (MeshClient client = client(user)) {
      long before = client.balance().getBalance();
      long[] executorsBefore = new long[2];
      for (int i = 0; i < 2; i++) {
        executorsBefore[i] =
            MeshFixtures.balance(ledger, MeshFixtures.caDirOf(mesh), executorIds[i]);
      }
      JobResult result =
          MeshFixtures.runWordCount(
              client,
              MeshFixtures.wordCountJob(text, 16 * 1024)
                  .verificationMode(VerificationMode.HASH)
                  .manaBudget(2_000)
                  .build(),
              Duration.ofSeconds(60));

      ComputeJobStatus status = result.status();
      int chunks = status.getTotalChunks();
      assertTrue(chunks >= 18, "300 kB in 16 KiB chunks makes at least 18 chunks, got " + chunks);
      assertEquals(chunks, status.getCompletedChunks());
      // One receipt per chunk plus the merge's.
      List<ReceiptRef> receipts = result.receipts();
      assertEquals(chunks + 1, receipts.size());

      long paid = receipts.stream().mapToLong(ReceiptRef::getPrice).sum();
      assertEquals(paid, status.getManaSpent());
      assertEquals(2_000 - paid, status.getManaRefunded());
      long after = client.balance().getBalance();
      assertEquals(before - paid, after, "the submitter pays exactly what the receipts say");
      assertEquals(0, client.balance().getHeld(), "nothing stays held after the job");

      Map<String, Long> earned = new HashMap<>();
      receipts.forEach(r -> earned.merge(r.getExecutorDid(), r.getPrice(), Long::sum));
      long gained = 0;
      for (int i = 0; i < 2; i++) {
        long delta =
            MeshFixtures.balance(ledger, MeshFixtures.caDirOf(mesh), executorIds[i])
                - executorsBefore[i];
        assertEquals(earned.getOrDefault(executors[i], 0L), delta);
        gained += delta;
      }
      assertEquals(before - after, gained, "mana leaves the submitter only to the executors");

      // Every receipt is in the log under its CID, signed by the executor that ran the task.
      List<ExecutionReceipt> logged =
          MeshFixtures.assertAnchored(
              mesh.endpoint("receipts").grpcPort(), MeshFixtures.caDirOf(mesh), receipts);
      for (int i = 0; i < receipts.size(); i++) {
        assertEquals(receipts.get(i).getExecutorDid(), logged.get(i).getExecutorDid());
      }
    }
  }

  @Test
  void submittingTheSameJobTwiceReturnsTheSameJobAndAnotherManifestIsRefused() {
    try (MeshClient client = client(Identity.generate())) {
      JobRequest.Builder job =
          JobRequest.newBuilder()
              .jobId("idempotent-" + System.nanoTime())
              .wasmModule(MeshFixtures.wordCount())
              .input("one two three\n".getBytes(StandardCharsets.US_ASCII));
      String first = client.submit(job.build());
      assertEquals(first, client.submit(job.build()));
      MeshClientException e =
          assertThrows(
              MeshClientException.class,
              () -> client.submit(job.input("four\n".getBytes(StandardCharsets.US_ASCII)).build()));
      assertEquals("ALREADY_EXISTS", e.code().name());
      assertEquals(
          "3",
          new String(
              client.result(first, Duration.ofSeconds(30)).bytes(), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void badModulesAndManifestsAreRefusedAtOnceWithTheProblemNamed() {
    try (MeshClient client = client(Identity.generate())) {
      MeshClientException wasi =
          refused(client, oneByteJob(MeshFixtures.abiTestModule("wasi-import.wasm")));
      assertEquals("INVALID_ARGUMENT", wasi.code().name());
      assertEquals("FORBIDDEN_IMPORT", wasi.reason().orElse(""));
      assertTrue(wasi.getMessage().contains("wasi_snapshot_preview1"), wasi.getMessage());

      MeshClientException noExecute =
          refused(client, oneByteJob(MeshFixtures.abiTestModule("missing-execute.wasm")));
      assertEquals("MISSING_EXPORT", noExecute.reason().orElse(""));
      assertTrue(noExecute.getMessage().contains("execute"), noExecute.getMessage());

      MeshClientException garbage =
          refused(client, oneByteJob("not a module".getBytes(StandardCharsets.US_ASCII)));
      assertEquals("MALFORMED_MODULE", garbage.reason().orElse(""));

      MeshClientException redundant =
          refused(
              client,
              oneByteJob(MeshFixtures.wordCount())
                  .verificationMode(VerificationMode.HASH)
                  .redundancy(3));
      assertEquals("REDUNDANCY_NEEDS_REDUNDANT_MODE", redundant.reason().orElse(""));
    }
  }

  /** A job of {@code module} on one byte of input. */
  private static JobRequest.Builder oneByteJob(byte[] module) {
    return JobRequest.newBuilder().wasmModule(module).input(new byte[] {1});
  }

  /**
   * The orchestrator's ComputeService as the service {@code name} of the mesh calls it: over its
   * channel in {@code asParties}, mutual TLS with a certificate for its identity, no token.
   */
  private static ComputeServiceGrpc.ComputeServiceBlockingStub asService(
      Map<String, ManagedChannel> asParties, String name) {
    return ComputeServiceGrpc.newBlockingStub(asParties.get(name));
  }

  /**
   * Asks both executors for the module until one gets it (the one holding the task's assignment)
   * and returns its name; the other must be refused meanwhile.
   */
  private String awaitFetchingExecutor(
      Map<String, ManagedChannel> channel, GetModuleRequest request, byte[] module)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      for (String name : List.of("executor-1", "executor-2")) {
        try {
          byte[] got = asService(channel, name).getModule(request).getWasmModule().toByteArray();
          assertArrayEquals(module, got);
          return name;
        } catch (StatusRuntimeException notYet) {
          assertEquals(Status.Code.PERMISSION_DENIED, notYet.getStatus().getCode());
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no executor could fetch the module of the running job");
  }

  /** Submits {@code job}, which must be refused at once, and returns the refusal. */
  private static MeshClientException refused(MeshClient client, JobRequest.Builder job) {
    return assertThrows(MeshClientException.class, () -> client.submit(job.build()));
  }

  @Test
  void onlyTheExecutorAssignedATaskOfAModuleMayFetchItByItsCid() throws Exception {
    byte[] module = MeshFixtures.executorTestModule("endless-loop");
    String cid = Cid.of(module);
    Map<String, ManagedChannel> channel = new HashMap<>();
    for (String executor : List.of("executor-1", "executor-2")) {
      channel.put(
          executor,
          MeshFixtures.partyChannel(
              mesh, "orchestrator", MeshFixtures.serviceIdentity(dataDir, executor)));
    }
    ManagedChannel userChannel = MeshFixtures.userChannel(mesh, "orchestrator");
    try (MeshClient client = client(Identity.generate())) {
      GetModuleRequest request = GetModuleRequest.newBuilder().setModuleCid(cid).build();
      StatusRuntimeException unused =
          assertThrows(
              StatusRuntimeException.class,
              () -> asService(channel, "executor-1").getModule(request));
      assertEquals(Status.Code.NOT_FOUND, unused.getStatus().getCode());

      String jobId =
          client.submit(
              JobRequest.newBuilder()
                  .wasmModule(module)
                  .input(new byte[] {1})
                  .limits(ResourceLimits.newBuilder().setWallTimeMs(20_000).build())
                  .build());
      try {
        // The endless loop holds one executor until its fuel runs out: that one may fetch the
        // module, the other may not.
        String assigned = awaitFetchingExecutor(channel, request, module);
        String other = assigned.equals("executor-1") ? "executor-2" : "executor-1";
        StatusRuntimeException notAssigned =
            assertThrows(
                StatusRuntimeException.class, () -> asService(channel, other).getModule(request));
        assertEquals(Status.Code.PERMISSION_DENIED, notAssigned.getStatus().getCode());
        assertTrue(
            notAssigned.getStatus().getDescription().contains("holds no assignment"),
            notAssigned.toString());
        StatusRuntimeException user =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    ComputeServiceGrpc.newBlockingStub(userChannel)
                        .withCallCredentials(new BearerCredentials(Identity.generate()))
                        .getModule(request));
        assertEquals(Status.Code.PERMISSION_DENIED, user.getStatus().getCode());
        // The assigned executor's own token, without its certificate, makes the caller a user.
        StatusRuntimeException borrowed =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    ComputeServiceGrpc.newBlockingStub(userChannel)
                        .withCallCredentials(
                            new BearerCredentials(MeshFixtures.serviceIdentity(dataDir, assigned)))
                        .getModule(request));
        assertEquals(Status.Code.PERMISSION_DENIED, borrowed.getStatus().getCode());
        assertEquals(
            "executor", MeshFixtures.errorInfo(borrowed).getMetadataOrThrow("certificate_roles"));
      } finally {
        assertTrue(client.cancel(jobId));
      }
    } finally {
      channel.values().forEach(ManagedChannel::shutdownNow);
      userChannel.shutdownNow();
    }
  }

  @Test
  void anExecutorAnswersABatchOfAnnouncementsAsItAnswersEachAlone() {
    var asOrchestrator = asOrchestrator();
    byte[] module = MeshFixtures.wordCount();
    List<JobAnnouncementV1> announced = new ArrayList<>();
    for (long maxPrice : new long[] {1_000, 0, 1_000, 1}) {
      int i = announced.size();
      announced.add(announcement("batch-test:" + i, module, 1_000L * (i + 1), maxPrice));
    }
    AnnounceBatchResponse batch =
        asOrchestrator.announceBatch(
            AnnounceBatchRequest.newBuilder().addAllAnnouncements(announced).build());
    assertEquals(announced.size(), batch.getAnswersCount());
    for (int i = 0; i < announced.size(); i++) {
      AnnounceResponse alone =
          asOrchestrator.announce(
              AnnounceRequest.newBuilder().setAnnouncement(announced.get(i)).build());
      AnnounceResponse inBatch = batch.getAnswers(i);
      assertEquals(alone.hasBid(), inBatch.hasBid(), "announcement " + i);
      assertEquals(alone.getBid().getPrice(), inBatch.getBid().getPrice(), "announcement " + i);
      assertEquals(
          alone.getDecline().getReason(), inBatch.getDecline().getReason(), "announcement " + i);
    }
    assertTrue(batch.getAnswers(0).hasBid());
    assertEquals("PRICE_ABOVE_MAX", batch.getAnswers(3).getDecline().getReason());

    // Users may not announce work, and a batch has a size limit.
    StatusRuntimeException user =
        assertThrows(
            StatusRuntimeException.class,
            () -> asUser().announceBatch(AnnounceBatchRequest.getDefaultInstance()));
    assertEquals(Status.Code.PERMISSION_DENIED, user.getStatus().getCode());
    AnnounceBatchRequest.Builder tooMany = AnnounceBatchRequest.newBuilder();
    for (int i = 0; i < 1_025; i++) {
      tooMany.addAnnouncements(announced.get(0));
    }
    StatusRuntimeException big =
        assertThrows(
            StatusRuntimeException.class, () -> asOrchestrator.announceBatch(tooMany.build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, big.getStatus().getCode());
    assertTrue(big.getStatus().getDescription().contains("1025 announcements"), big.toString());
  }

  @Test
  void anExecutorStreamsEachAssignmentsAnswerAsSoonAsItIsReady() {
    var asOrchestrator = asOrchestrator();
    byte[] wordCount = MeshFixtures.wordCount();
    String executorDid =
        asOrchestrator
            .announce(
                AnnounceRequest.newBuilder()
                    .setAnnouncement(announcement("assign-batch-test", wordCount, 10, 1_000))
                    .build())
            .getBid()
            .getExecutorDid();
    // A slow task between two fast ones, all three asking for their results inline.
    List<AssignTaskRequest> batch =
        List.of(
            assignment(executorDid, "fast-1", wordCount, "one two three\n", 0),
            assignment(
                executorDid, "slow", MeshFixtures.executorTestModule("endless-loop"), "x", 1_500),
            assignment(executorDid, "fast-2", wordCount, "four five\n", 0));
    List<AssignTasksResponse> answers = new ArrayList<>();
    asOrchestrator
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .assignTasks(AssignTasksRequest.newBuilder().addAllAssignments(batch).build())
        .forEachRemaining(answers::add);

    assertEquals(3, answers.size());
    assertEquals(1, answers.get(2).getIndex(), "the slow task's answer comes last: " + answers);
    Map<Integer, AssignTaskResponse> byIndex = new HashMap<>();
    answers.forEach(a -> byIndex.put(a.getIndex(), a.getAnswer()));
    assertEquals(3, byIndex.size(), "one answer per assignment");
    assertEquals("3", byIndex.get(0).getResult().getResultData().toStringUtf8());
    assertEquals("2", byIndex.get(2).getResult().getResultData().toStringUtf8());
    assertTrue(byIndex.values().stream().allMatch(AssignTaskResponse::getAccepted));
    // An executor holds an answer at most 1 s for its result: the slow task's answer is an
    // acknowledgement, and its result goes back the usual way.
    assertFalse(byIndex.get(1).hasResult());

    // The same assignment sent again alone is answered as in the batch, and not run twice.
    AssignTaskResponse again = asOrchestrator.assignTask(batch.get(0));
    assertEquals(byIndex.get(0).getResult(), again.getResult());

    // A batch is checked whole: one bad assignment refuses all of it, naming the bad field.
    // (The good one asks for no inline result: had it been admitted, asking again below would
    // be acknowledged without a result instead of running it.)
    List<AssignTaskRequest> oneBad =
        List.of(
            assignment(executorDid, "never-1", wordCount, "a\n", 0).toBuilder()
                .setInlineWaitMs(0)
                .build(),
            assignment(executorDid, "never-2", wordCount, "b\n", 0).toBuilder()
                .clearResultEndpoint()
                .build());
    StatusRuntimeException bad =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                asOrchestrator
                    .assignTasks(AssignTasksRequest.newBuilder().addAllAssignments(oneBad).build())
                    .hasNext());
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    assertTrue(
        bad.getStatus().getDescription().contains("assignments[1].result_endpoint"),
        bad.toString());
    // Nothing of it was admitted: the good one is new to the executor and runs now.
    AssignTaskResponse fresh =
        asOrchestrator.assignTask(assignment(executorDid, "never-1", wordCount, "a\n", 0));
    assertEquals("1", fresh.getResult().getResultData().toStringUtf8());

    StatusRuntimeException empty =
        assertThrows(
            StatusRuntimeException.class,
            () -> asOrchestrator.assignTasks(AssignTasksRequest.getDefaultInstance()).hasNext());
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
    StatusRuntimeException user =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                asUser()
                    .assignTasks(AssignTasksRequest.newBuilder().addAllAssignments(batch).build())
                    .hasNext());
    assertEquals(Status.Code.PERMISSION_DENIED, user.getStatus().getCode());
  }

  /**
   * Executor-1's API, called as the mesh's orchestrator: its certificate names it, as the
   * orchestrator's own channels do, so the calls carry no token.
   */
  private static ExecutorServiceGrpc.ExecutorServiceBlockingStub asOrchestrator() {
    return ExecutorServiceGrpc.newBlockingStub(firstExecutor);
  }

  /** Executor-1's API, called by a user who is none of the mesh's services. */
  private static ExecutorServiceGrpc.ExecutorServiceBlockingStub asUser() {
    return ExecutorServiceGrpc.newBlockingStub(firstExecutorAsUser)
        .withCallCredentials(new BearerCredentials(Identity.generate()));
  }

  @Test
  void theOrchestratorsTokenWithoutItsCertificateIsRefusedTheOrchestratorsCalls() {
    // A genuine token of the orchestrator's identity, over TLS without the mesh's client
    // certificate: the caller is a user, never the orchestrator.
    var borrowed =
        ExecutorServiceGrpc.newBlockingStub(firstExecutorAsUser)
            .withCallCredentials(
                new BearerCredentials(MeshFixtures.serviceIdentity(dataDir, "orchestrator")));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> borrowed.announceBatch(AnnounceBatchRequest.getDefaultInstance()));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    ErrorInfo info = MeshFixtures.errorInfo(e);
    assertEquals("ROLE_REQUIRED", info.getReason());
    assertEquals("user", info.getMetadataOrThrow("caller_roles"));
    assertEquals("orchestrator", info.getMetadataOrThrow("certificate_roles"));
  }

  @Test
  void everyServicePortRefusesAPlaintextClient() {
    for (DevMesh.Endpoint e : mesh.endpoints()) {
      MeshFixtures.assertRefusesPlaintext(e.name(), e.grpcPort());
    }
  }

  /** An announcement of a task of {@code module} from the mesh's orchestrator. */
  private static JobAnnouncementV1 announcement(
      String id, byte[] module, long inputSize, long maxPrice) {
    return JobAnnouncementV1.newBuilder()
        .setJobId(id)
        .setOriginatorDid(MeshFixtures.serviceIdentity(dataDir, "orchestrator").did())
        .setAnnouncementId("announcement:" + id)
        .setParams(
            MeshJobParams.newBuilder()
                .setModuleCid(Cid.of(module))
                .setInputSize(inputSize)
                .setMaxPrice(maxPrice)
                .setTimeoutMs(10_000))
        .build();
  }

  /** An assignment for {@code executorDid} asking for its result inline. */
  private static AssignTaskRequest assignment(
      String executorDid, String id, byte[] module, String input, int wallTimeMs) {
    ResourceLimits.Builder limits = ResourceLimits.newBuilder();
    if (wallTimeMs > 0) {
      // Fuel enough to reach the wall-time limit first.
      limits.setWallTimeMs(wallTimeMs).setFuel(1_000_000_000_000_000L);
    }
    return AssignTaskRequest.newBuilder()
        .setAssignment(
            AssignJobV1.newBuilder()
                .setJobId("assign-batch-test:" + id)
                .setExecutorDid(executorDid)
                .setAssignmentId("assign-batch-test:" + id)
                .setPrice(1))
        .setTask(
            ComputeTaskPacket.newBuilder()
                .setTaskId("assign-batch-test:" + id)
                .setParentJobId("assign-batch-test")
                .setChunkData(ByteString.copyFromUtf8(input))
                .setWasmModuleHash(Cid.of(module))
                .setWasmModule(ByteString.copyFrom(module))
                .setLimits(limits)
                .setTimeoutMs(10_000))
        .setResultEndpoint(mesh.layout().target("orchestrator"))
        .setRequestId("assign-batch-test:" + id)
        .setInlineWaitMs(10_000)
        .build();
  }

  @Test
  void aJobBeyondTheSubmittersManaIsRefusedAndNothingIsHeld() {
    try (MeshClient client = client(Identity.generate())) {
      long available = client.balance().getAvailable();
      MeshClientException e =
          assertThrows(
              MeshClientException.class,
              () ->
                  client.submit(
                      JobRequest.newBuilder()
                          .wasmModule(MeshFixtures.wordCount())
                          .input(new byte[] {'a'})
                          .manaBudget(available + 1)
                          .build()));
      assertEquals("FAILED_PRECONDITION", e.code().name());
      assertEquals("INSUFFICIENT_MANA", e.reason().orElse(""));
      assertEquals(0, client.balance().getHeld());
    }
  }

  @Test
  void cancelStopsTheJobAndRefundsWhatWasNotSpent() {
    byte[] text = SampleText.generate(2_000_000, 3);
    try (MeshClient client = client(Identity.generate())) {
      long before = client.balance().getBalance();
      String jobId =
          client.submit(MeshFixtures.wordCountJob(text, 4 * 1024).manaBudget(5_000).build());
      assertTrue(client.cancel(jobId));
      ComputeJobStatus status = client.status(jobId);
      assertEquals("cancelled", status.getStatus());
      assertTrue(status.getCompletedChunks() < status.getTotalChunks(), "the job stopped early");
      assertEquals(5_000 - status.getManaSpent(), status.getManaRefunded());
      assertEquals(before - status.getManaSpent(), client.balance().getBalance());
      assertEquals(0, client.balance().getHeld());
      assertFalse(client.cancel(jobId), "a second cancel finds the job already ended");
    }
  }

  @Test
  void everyServiceAnswersReflectionAndHealthOverTlsWithoutCredentials() throws Exception {
    for (DevMesh.Endpoint e : mesh.endpoints()) {
      ManagedChannel channel = MeshFixtures.userChannel(mesh, e.name());
      try {
        assertEquals(
            HealthCheckResponse.ServingStatus.SERVING,
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus());
        List<String> services = listServices(channel);
        String expected =
            switch (e.role()) {
              case "orchestrator" -> "meshwork.compute.v1.ComputeService";
              case "ledger" -> "meshwork.ledger.v1.LedgerService";
              case "receipt log" -> "meshwork.receipt.v1.ReceiptService";
              default -> "meshwork.executor.v1.ExecutorService";
            };
        assertTrue(services.contains(expected), e.name() + " lists " + services);
        assertTrue(services.contains("grpc.health.v1.Health"), e.name() + " lists " + services);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static List<String> listServices(ManagedChannel channel) throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse r) {
                    List<String> found = new ArrayList<>();
                    r.getListServicesResponse()
                        .getServiceList()
                        .forEach(s -> found.add(s.getName()));
                    names.complete(found);
                  }

                  @Override
                  public void onError(Throwable t) {
                    names.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> result = names.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    return result;
  }
}
