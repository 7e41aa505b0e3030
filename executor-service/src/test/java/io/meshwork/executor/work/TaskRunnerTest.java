package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.JobErrorKind;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.receipt.format.ReceiptVerifier;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.WasmEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskRunnerTest {
  private static final WasmEngine ENGINE = WasmEngine.chicory();
  private static final String ORCHESTRATOR = "did:key:zOrchestratorForTests";
  private static final String ENDPOINT = "orchestrator.test:7000";
  private static final byte[] WORD_COUNT = wordCount();
  private static final byte[] UNREACHABLE = sandboxTestModule("unreachable");
  private static final byte[] ENDLESS_LOOP = sandboxTestModule("endless-loop");

  /**
   * An orchestrator that keeps the results it is given and serves the modules and blobs it was
   * given (or, for a test, lies about them).
   */
  private static final class RecordingSink implements OrchestratorLink {
    final BlockingQueue<ComputeTaskResult> delivered = new LinkedBlockingQueue<>();
    final BlockingQueue<String> endpoints = new LinkedBlockingQueue<>();
    final Map<String, byte[]> modules = new ConcurrentHashMap<>();
    final List<String> fetched = new CopyOnWriteArrayList<>();
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    // "endpoint blob offset+length" of every range asked for, and the deadline it was given.
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final List<Duration> deadlines = new CopyOnWriteArrayList<>();
    // When set, a range download waits here (until interrupted) before it sends anything.
    volatile CountDownLatch hold;

    @Override
    public void fetchRange(
        String endpoint,
        String blobCid,
        long offset,
        long length,
        Duration deadline,
        Consumer<ByteBuffer> frames) {
      ranges.add(endpoint + " " + blobCid + " " + offset + "+" + length);
      deadlines.add(deadline);
      if (hold != null) {
        try {
          hold.await();
        } catch (InterruptedException e) {
          // As gRPC does: the call is cancelled, the flag stays set.
          Thread.currentThread().interrupt();
          throw new IllegalStateException("CANCELLED: Thread interrupted", e);
        }
      }
      byte[] blob = blobs.get(blobCid);
      if (blob == null) {
        throw new IllegalStateException(
            "PERMISSION_DENIED BLOB_ACCESS_DENIED: you may not read blob " + blobCid);
      }
      // In frames of 5 bytes, so that a chunk arrives in several.
      for (long at = offset; at < offset + length; at += 5) {
        int n = (int) Math.min(5, offset + length - at);
        frames.accept(ByteBuffer.wrap(blob, (int) at, n));
      }
    }

    @Override
    public byte[] fetchModule(String endpoint, String moduleCid) {
      fetched.add(endpoint + " " + moduleCid);
      byte[] module = modules.get(moduleCid);
      if (module == null) {
        throw new IllegalStateException("NOT_FOUND: no job in progress uses " + moduleCid);
      }
      return module;
    }

    @Override
    public boolean deliver(String endpoint, ComputeTaskResult result) {
      endpoints.add(endpoint);
      delivered.add(result);
      return true;
    }
  }

  private final Identity identity = Identity.generate();
  private final RecordingSink sink = new RecordingSink();
  @TempDir Path dataDir;
  private TaskRunner runner;

  @AfterEach
  void closeRunner() {
    if (runner != null) {
      runner.close();
    }
  }

  private static byte[] wordCount() {
    try {
      return Files.readAllBytes(Path.of("..", "examples", "wordcount", "wordcount.wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A hostile test module of the sandbox's; Maven runs tests from the module directory. */
  private static byte[] sandboxTestModule(String name) {
    try {
      return Files.readAllBytes(
          Path.of("..", "wasm-sandbox", "src", "test", "resources", "modules", name + ".wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TaskRunner runner(int slots, int queueLimit) {
    runner =
        new TaskRunner(
            ENGINE,
            new ModuleCache(8),
            identity,
            sink,
            ChunkCache.open(dataDir.resolve("chunks"), 1L << 20),
            Clock.systemUTC(),
            slots,
            queueLimit,
            1L << 20,
            ServiceMetrics.none());
    return runner;
  }

  private AssignJobV1 assignment(String assignmentId) {
    return AssignJobV1.newBuilder()
        .setJobId("job-1:0")
        .setExecutorDid(identity.did())
        .setAssignmentId(assignmentId)
        .setPrice(5)
        .build();
  }

  private static ComputeTaskPacket.Builder task(byte[] module, String chunk) {
    return ComputeTaskPacket.newBuilder()
        .setTaskId("job-1:0")
        .setParentJobId("job-1")
        .setChunkIndex(0)
        .setChunkData(ByteString.copyFromUtf8(chunk))
        .setWasmModuleHash(Cid.of(module))
        .setWasmModule(ByteString.copyFrom(module));
  }

  /** A task that only its wall time (or a cancel) ends: its fuel would last for hours. */
  private static ComputeTaskPacket endless(int wallTimeMs) {
    return task(ENDLESS_LOOP, "spin")
        .setLimits(
            ResourceLimits.newBuilder().setWallTimeMs(wallTimeMs).setFuel(1_000_000_000_000_000L))
        .build();
  }

  @Test
  void fuelLimitFromThePacketIsAppliedAndReported() throws Exception {
    TaskRunner runner = runner(1, 0);
    ComputeTaskPacket packet =
        task(ENDLESS_LOOP, "spin")
            .setLimits(ResourceLimits.newBuilder().setWallTimeMs(30_000).setFuel(100_000))
            .build();

    assertTrue(runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR).accepted());

    ComputeTaskResult result = nextResult();
    assertEquals("failed", result.getStatus());
    assertEquals(JobErrorKind.JOB_ERROR_KIND_FUEL_EXHAUSTED, result.getError().getKind());
    assertTrue(result.getError().getFuelUsed() > 100_000, result.getError().toString());
    assertTrue(
        result.getError().getMessage().contains("limit of 100000"), result.getError().toString());
  }

  private ComputeTaskResult nextResult() throws InterruptedException {
    ComputeTaskResult result = sink.delivered.poll(30, TimeUnit.SECONDS);
    assertNotNull(result, "no result was delivered");
    return result;
  }

  /** Waits (bounded) until {@code condition} holds. */
  private static void eventually(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("gave up waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void wordCountTaskCompletesWithAVerifiableReceipt() throws Exception {
    TaskRunner runner = runner(2, 2);
    ComputeTaskPacket packet = task(WORD_COUNT, "the quick brown fox\n").build();

    TaskRunner.Acceptance acceptance =
        runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR);

    assertTrue(acceptance.accepted(), acceptance.message());
    ComputeTaskResult result = nextResult();
    assertEquals(ENDPOINT, sink.endpoints.take());
    assertEquals("completed", result.getStatus());
    assertEquals("4", result.getResultData().toString(StandardCharsets.US_ASCII));
    assertEquals("a-1", result.getAssignmentId());
    assertEquals("job-1:0", result.getTaskId());
    assertEquals(identity.did(), result.getWorkerId());
    assertEquals(Cid.of(result.getResultData().toByteArray()), result.getResultHash());

    assertEquals(1, result.getReceiptsCount());
    ExecutionReceipt receipt = result.getReceipts(0);
    ReceiptVerifier.verify(receipt);
    assertEquals(identity.did(), receipt.getExecutorDid());
    assertEquals(ORCHESTRATOR, receipt.getOrchestratorDid());
    assertEquals("a-1", receipt.getAssignmentId());
    assertEquals(Cid.of(WORD_COUNT), receipt.getModuleCid());
    assertEquals(Cid.of(packet.getChunkData().toByteArray()), receipt.getInputCid());
    assertTrue(Cid.matches(receipt.getOutputCid(), result.getResultData().toByteArray()));
    assertEquals("execute", receipt.getExportName());
    assertEquals("chicory-compiler", receipt.getEngine());
    // Zero limits in the packet become the sandbox defaults, recorded in the receipt.
    assertEquals(30_000, receipt.getLimits().getWallTimeMs());
    assertTrue(runner.hasModule(Cid.of(WORD_COUNT)));
  }

  @Test
  void aShortTaskAskedInlineAnswersInTheAcceptanceAndIsNotDeliveredAgain() throws Exception {
    TaskRunner runner = runner(1, 1);
    TaskRunner.Acceptance a =
        runner.assign(
            assignment("a-1"),
            task(WORD_COUNT, "one two three\n").build(),
            ENDPOINT,
            ORCHESTRATOR,
            false,
            30_000);
    assertTrue(a.accepted(), a.message());
    assertNotNull(a.result(), "the result came back with the acceptance");
    assertEquals("3", a.result().getResultData().toString(StandardCharsets.US_ASCII));
    assertEquals("a-1", a.result().getAssignmentId());
    ReceiptVerifier.verify(a.result().getReceipts(0));
    // Once the runner is idle again every run has finished: nothing went the other way.
    eventually("the runner is idle", () -> runner.load() == 0.0);
    assertNull(sink.delivered.peek(), "an inline result was also delivered");
  }

  @Test
  void aTaskOutlastingTheInlineWaitIsDeliveredOnceTheUsualWay() throws Exception {
    TaskRunner runner = runner(1, 1);
    TaskRunner.Acceptance a =
        runner.assign(assignment("a-1"), endless(600), ENDPOINT, ORCHESTRATOR, false, 50);
    assertTrue(a.accepted(), a.message());
    assertNull(a.result(), "the task ran past the inline wait");
    ComputeTaskResult delivered = nextResult();
    assertEquals("a-1", delivered.getAssignmentId());
    assertEquals(JobErrorKind.JOB_ERROR_KIND_WALL_TIME, delivered.getError().getKind());
    eventually("the runner is idle", () -> runner.load() == 0.0);
    assertNull(sink.delivered.peek(), "delivered twice");
  }

  @Test
  void aQueuedTaskThatDoesNotGetItsTurnWithinTheInlineWaitIsAcknowledgedAsQueued()
      throws Exception {
    TaskRunner runner = runner(1, 1);
    assertTrue(runner.assign(assignment("a-1"), endless(2_000), ENDPOINT, ORCHESTRATOR).accepted());
    // Modules compile before their task takes a slot, so a-2's could overtake a-1's: wait until
    // a-1 holds the slot.
    eventually("a-1 holds the slot", () -> runner.runningTasks() == 1);
    TaskRunner.Acceptance queued =
        runner.assign(
            assignment("a-2"), task(WORD_COUNT, "x\n").build(), ENDPOINT, ORCHESTRATOR, false, 50);
    assertTrue(queued.waiting(), "still waiting for the slot when answered");
    assertNull(queued.result());
    // It answered without waiting for its turn: the task ahead of it has not even ended yet.
    assertNull(sink.delivered.peek(), "the queued task's acknowledgement waited for a slot");
    List<String> ids = List.of(nextResult().getAssignmentId(), nextResult().getAssignmentId());
    assertEquals(List.of("a-1", "a-2"), ids);
  }

  @Test
  void aQueuedTaskWhoseTurnComesWithinTheInlineWaitIsAnsweredInline() throws Exception {
    TaskRunner runner = runner(1, 1);
    assertTrue(runner.assign(assignment("a-1"), endless(200), ENDPOINT, ORCHESTRATOR).accepted());
    eventually("a-1 holds the slot", () -> runner.runningTasks() == 1);
    TaskRunner.Acceptance second =
        runner.assign(
            assignment("a-2"),
            task(WORD_COUNT, "x y\n").build(),
            ENDPOINT,
            ORCHESTRATOR,
            false,
            30_000);
    assertNotNull(second.result(), "answered inline once its turn came");
    assertFalse(second.waiting());
    assertEquals("2", second.result().getResultData().toString(StandardCharsets.US_ASCII));
    assertEquals("a-1", nextResult().getAssignmentId());
    eventually("the runner is idle", () -> runner.load() == 0.0);
    assertNull(sink.delivered.peek(), "the inline result was delivered again");
  }

  @Test
  void aRetriedAssignmentGetsTheInlineResultItsFirstCallAnsweredAndRunsOnce() throws Exception {
    TaskRunner runner = runner(1, 1);
    ComputeTaskPacket packet = task(WORD_COUNT, "a b c d\n").build();
    TaskRunner.Acceptance first =
        runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR, false, 30_000);
    assertNotNull(first.result());
    // The caller never saw that answer and retries with the same assignment id.
    TaskRunner.Acceptance retry =
        runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR, false, 30_000);
    assertTrue(retry.accepted());
    assertNotNull(retry.result(), "the retry is answered with the same result");
    assertEquals(first.result(), retry.result());
    eventually("the runner is idle", () -> runner.load() == 0.0);
    assertNull(sink.delivered.peek(), "delivered besides the inline answers");
  }

  @Test
  void aRetryWhileTheTaskStillRunsWaitsForTheSameResult() throws Exception {
    TaskRunner runner = runner(1, 1);
    ComputeTaskPacket packet = endless(400);
    // The first call gives up on its inline wait almost at once, as a caller that timed out.
    TaskRunner.Acceptance first =
        runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR, false, 1);
    assertNull(first.result());
    TaskRunner.Acceptance retry =
        runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR, false, 30_000);
    assertNotNull(retry.result(), "the retry waited for the run in progress");
    assertEquals(JobErrorKind.JOB_ERROR_KIND_WALL_TIME, retry.result().getError().getKind());
    eventually("the runner is idle", () -> runner.load() == 0.0);
    assertNull(sink.delivered.peek(), "the result went out twice");
  }

  @Test
  void cachedModuleRunsWithoutItsBytes() throws Exception {
    TaskRunner runner = runner(1, 1);
    assertTrue(
        runner
            .assign(assignment("a-1"), task(WORD_COUNT, "a b\n").build(), ENDPOINT, ORCHESTRATOR)
            .accepted());
    assertEquals("completed", nextResult().getStatus());

    ComputeTaskPacket withoutBytes = task(WORD_COUNT, "a b c\n").clearWasmModule().build();
    assertTrue(runner.assign(assignment("a-2"), withoutBytes, ENDPOINT, ORCHESTRATOR).accepted());
    assertEquals("3", nextResult().getResultData().toString(StandardCharsets.US_ASCII));
  }

  @Test
  void uncachedModuleIsFetchedByItsCidFromTheAssigningOrchestrator() throws Exception {
    TaskRunner runner = runner(1, 1);
    sink.modules.put(Cid.of(WORD_COUNT), WORD_COUNT);
    ComputeTaskPacket withoutBytes = task(WORD_COUNT, "a b c d\n").clearWasmModule().build();

    assertTrue(runner.assign(assignment("a-1"), withoutBytes, ENDPOINT, ORCHESTRATOR).accepted());

    assertEquals("4", nextResult().getResultData().toString(StandardCharsets.US_ASCII));
    assertEquals(List.of(ENDPOINT + " " + Cid.of(WORD_COUNT)), sink.fetched);
    assertTrue(runner.hasModule(Cid.of(WORD_COUNT)));
  }

  @Test
  void fetchedBytesThatDoNotMatchTheCidAreRefused() {
    TaskRunner runner = runner(1, 1);
    // The orchestrator answers with some other module under the requested CID.
    sink.modules.put(Cid.of(WORD_COUNT), UNREACHABLE);
    ComputeTaskPacket withoutBytes = task(WORD_COUNT, "a\n").clearWasmModule().build();

    TaskRunner.Acceptance acceptance =
        runner.assign(assignment("a-1"), withoutBytes, ENDPOINT, ORCHESTRATOR);

    assertEquals(TaskRunner.Refusal.MODULE_INVALID, acceptance.refusal());
    assertTrue(acceptance.message().contains("do not match"), acceptance.message());
    assertFalse(runner.hasModule(Cid.of(WORD_COUNT)));
  }

  @Test
  void unknownModuleWithoutBytesIsRefusedAsMissing() {
    TaskRunner runner = runner(1, 1);
    ComputeTaskPacket packet =
        task(WORD_COUNT, "words\n")
            .clearWasmModule()
            .setWasmModuleHash(Cid.of("a module nobody sent".getBytes(StandardCharsets.UTF_8)))
            .build();

    TaskRunner.Acceptance acceptance =
        runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR);

    assertFalse(acceptance.accepted());
    assertEquals(TaskRunner.Refusal.MODULE_MISSING, acceptance.refusal());
    assertTrue(
        acceptance.message().contains("fetching it from " + ENDPOINT + " failed: NOT_FOUND"),
        acceptance.message());
    assertTrue(runner.hasRoom());
  }

  @Test
  void moduleBytesThatDoNotMatchTheirHashAreRefusedAsInvalid() {
    TaskRunner runner = runner(1, 1);
    ComputeTaskPacket packet =
        task(WORD_COUNT, "words\n").setWasmModuleHash(Cid.of(UNREACHABLE)).build();

    TaskRunner.Acceptance acceptance =
        runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR);

    assertEquals(TaskRunner.Refusal.MODULE_INVALID, acceptance.refusal());
    assertFalse(runner.hasModule(Cid.of(UNREACHABLE)));
  }

  @Test
  void sameAssignmentAssignedTwiceRunsOnce() throws Exception {
    TaskRunner runner = runner(2, 2);
    // Long enough that the first run is certainly still going when the retry arrives.
    ComputeTaskPacket packet = endless(1_000);

    assertTrue(runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR).accepted());
    assertTrue(runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR).accepted());
    assertEquals(0.5, runner.load());

    ComputeTaskResult result = nextResult();
    assertEquals("a-1", result.getAssignmentId());
    // A run delivers before it leaves the admitted count, so once that count is zero every run
    // that was ever started has delivered.
    eventually("no task is admitted", () -> runner.load() == 0);
    assertTrue(sink.delivered.isEmpty(), "the assignment ran more than once");
  }

  @Test
  void anAssignmentRetriedAfterItFinishedIsAcknowledgedButNotRunAgain() throws Exception {
    TaskRunner runner = runner(2, 2);
    ComputeTaskPacket packet = task(WORD_COUNT, "one two three").build();

    assertTrue(runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR).accepted());
    assertEquals("a-1", nextResult().getAssignmentId());
    eventually("no task is admitted", () -> runner.load() == 0);

    assertTrue(runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR).accepted());
    assertEquals(0, runner.load(), "the retry was not admitted to run");
    assertTrue(sink.delivered.isEmpty(), "the assignment ran again");
  }

  @Test
  void trappingModuleGivesAFailedResultOfKindTrap() throws Exception {
    TaskRunner runner = runner(1, 1);

    assertTrue(
        runner
            .assign(assignment("a-1"), task(UNREACHABLE, "input").build(), ENDPOINT, ORCHESTRATOR)
            .accepted());

    ComputeTaskResult result = nextResult();
    assertEquals("failed", result.getStatus());
    assertEquals(0, result.getReceiptsCount());
    assertEquals(JobErrorKind.JOB_ERROR_KIND_TRAP, result.getError().getKind());
    assertEquals("execute", result.getError().getExportName());
    assertEquals(identity.did(), result.getError().getExecutorDid());
    assertEquals("job-1:0", result.getError().getJobId());
    assertFalse(result.getError().getMessage().isEmpty());
  }

  @Test
  void wallTimeLimitFromThePacketIsApplied() throws Exception {
    TaskRunner runner = runner(1, 0);

    assertTrue(runner.assign(assignment("a-1"), endless(300), ENDPOINT, ORCHESTRATOR).accepted());

    ComputeTaskResult result = nextResult();
    assertEquals("failed", result.getStatus());
    assertEquals(JobErrorKind.JOB_ERROR_KIND_WALL_TIME, result.getError().getKind());
  }

  @Test
  void fullRunnerRefusesAnotherAssignmentAsBusy() throws Exception {
    TaskRunner runner = runner(1, 0);

    assertTrue(runner.assign(assignment("a-1"), endless(2_000), ENDPOINT, ORCHESTRATOR).accepted());
    assertFalse(runner.hasRoom());

    TaskRunner.Acceptance second =
        runner.assign(assignment("a-2"), endless(2_000), ENDPOINT, ORCHESTRATOR);

    assertFalse(second.accepted());
    assertEquals(TaskRunner.Refusal.BUSY, second.refusal());
    // The refusal must not leak an admission: once the first task ends there is room again.
    assertEquals(JobErrorKind.JOB_ERROR_KIND_WALL_TIME, nextResult().getError().getKind());
    eventually("the runner has room", runner::hasRoom);
    assertEquals(0.0, runner.load());
  }

  @Test
  void onlyTheOrchestratorThatAssignedATaskMayCancelIt() throws Exception {
    TaskRunner runner = runner(1, 0);
    assertTrue(
        runner.assign(assignment("a-1"), endless(600_000), ENDPOINT, ORCHESTRATOR).accepted());
    eventually("the task is running", () -> runner.runningTasks() == 1);

    MeshException refused =
        assertThrows(
            MeshException.class, () -> runner.cancel("a-1", false, "did:key:z6MkAnotherOne"));
    assertEquals("NOT_THE_ASSIGNER", refused.reason());
    assertEquals(MeshException.Kind.PERMISSION_DENIED, refused.kind());
    assertEquals(1, runner.runningTasks(), "the task runs on");

    assertTrue(runner.cancel("a-1", false, ORCHESTRATOR));
    eventually("the runner has room", runner::hasRoom);
    assertNull(sink.delivered.peek(), "a cancelled task delivered a result");
  }

  @Test
  void cancellingARunningTaskDeliversNothingAndFreesTheSlot() throws Exception {
    TaskRunner runner = runner(1, 0);
    // The wall time is far beyond the test, so only the cancel can end the run.
    assertTrue(
        runner.assign(assignment("a-1"), endless(600_000), ENDPOINT, ORCHESTRATOR).accepted());
    eventually("the task is running", () -> runner.runningTasks() == 1);

    assertTrue(runner.cancel("a-1"));

    eventually("the runner has room", runner::hasRoom);
    assertEquals(0, runner.runningTasks());
    assertNull(sink.delivered.peek(), "a cancelled task delivered a result");
    assertFalse(runner.cancel("a-1"));

    // The freed slot takes new work.
    assertTrue(
        runner
            .assign(assignment("a-2"), task(WORD_COUNT, "x y\n").build(), ENDPOINT, ORCHESTRATOR)
            .accepted());
    assertEquals("a-2", nextResult().getAssignmentId());
  }

  @Test
  void cancellingAnUnknownAssignmentReturnsFalse() {
    assertFalse(runner(1, 0).cancel("never-assigned"));
  }

  // A blob whose bytes [6, 26) are the chunk "the quick brown fox\n".
  private static final byte[] BLOB =
      "head: the quick brown fox\ntrailer".getBytes(StandardCharsets.UTF_8);
  private static final String BLOB_CID = Cid.of(BLOB);
  private static final String CHUNK_CID =
      Cid.of("the quick brown fox\n".getBytes(StandardCharsets.UTF_8));

  private static ChunkReference.Builder chunkRef() {
    return ChunkReference.newBuilder()
        .setBlobCid(BLOB_CID)
        .setOffset(6)
        .setLength(20)
        .setChunkCid(CHUNK_CID);
  }

  /** A word-count task whose chunk is {@code ref}, not in the packet. */
  private static ComputeTaskPacket byReference(ChunkReference.Builder ref) {
    return task(WORD_COUNT, "").clearChunkData().setChunkRef(ref).build();
  }

  @Test
  void aChunkByReferenceIsDownloadedCheckedAndNamedByItsCidInTheReceipt() throws Exception {
    TaskRunner runner = runner(1, 1);
    sink.blobs.put(BLOB_CID, BLOB);

    TaskRunner.Acceptance a =
        runner.assign(assignment("a-1"), byReference(chunkRef()), ENDPOINT, ORCHESTRATOR);

    assertTrue(a.accepted(), a.message());
    ComputeTaskResult result = nextResult();
    assertEquals("completed", result.getStatus(), result.getError().getMessage());
    assertEquals("4", result.getResultData().toString(StandardCharsets.US_ASCII));
    ExecutionReceipt receipt = result.getReceipts(0);
    ReceiptVerifier.verify(receipt);
    assertEquals(CHUNK_CID, receipt.getInputCid());
    assertEquals(List.of(ENDPOINT + " " + BLOB_CID + " 6+20"), sink.ranges);
    // The download is bounded by the task's wall-time limit (here the 30 s default).
    assertEquals(List.of(Duration.ofSeconds(30)), sink.deadlines);
  }

  @Test
  void aPrefixGoesBeforeTheDownloadedRangeAndTheChunkCidCoversBoth() throws Exception {
    TaskRunner runner = runner(1, 1);
    sink.blobs.put(BLOB_CID, BLOB);
    byte[] chunk = "one two the quick brown fox\n".getBytes(StandardCharsets.UTF_8);
    ChunkReference.Builder ref =
        chunkRef().setPrefix(ByteString.copyFromUtf8("one two ")).setChunkCid(Cid.of(chunk));

    assertTrue(
        runner.assign(assignment("a-1"), byReference(ref), ENDPOINT, ORCHESTRATOR).accepted());

    ComputeTaskResult result = nextResult();
    assertEquals("completed", result.getStatus(), result.getError().getMessage());
    // The module counted the prefix's words with the range's: it ran on both.
    assertEquals("6", result.getResultData().toString(StandardCharsets.US_ASCII));
    assertEquals(Cid.of(chunk), result.getReceipts(0).getInputCid());
    // Only the range came from the blob service.
    assertEquals(List.of(ENDPOINT + " " + BLOB_CID + " 6+20"), sink.ranges);
  }

  @Test
  void aPrefixedChunkWhoseCidIsNotOverPrefixAndRangeFailsWithoutRunning() throws Exception {
    TaskRunner runner = runner(1, 1);
    sink.blobs.put(BLOB_CID, BLOB);
    // The CID of the range alone: the bytes the module would get are not the ones named.
    ChunkReference.Builder ref = chunkRef().setPrefix(ByteString.copyFromUtf8("one two "));

    assertTrue(
        runner.assign(assignment("a-1"), byReference(ref), ENDPOINT, ORCHESTRATOR).accepted());

    ComputeTaskResult result = nextResult();
    assertEquals("failed", result.getStatus());
    assertEquals(0, result.getReceiptsCount());
    String message = result.getError().getMessage();
    assertTrue(message.startsWith("CHUNK_MISMATCH: "), message);
    assertTrue(message.contains("of blob " + BLOB_CID + " after a prefix of 8"), message);
    assertEquals(0, runner.fuelEstimate(Cid.of(WORD_COUNT), 28).orElse(0), "the module ran");
  }

  @Test
  void aCachedChunkIsNotDownloadedAgain() throws Exception {
    TaskRunner runner = runner(1, 1);
    sink.blobs.put(BLOB_CID, BLOB);

    assertTrue(
        runner
            .assign(assignment("a-1"), byReference(chunkRef()), ENDPOINT, ORCHESTRATOR)
            .accepted());
    assertEquals("completed", nextResult().getStatus());
    // A retry of the task, or a redundant replica of it, lands here again.
    assertTrue(
        runner
            .assign(assignment("a-2"), byReference(chunkRef()), ENDPOINT, ORCHESTRATOR)
            .accepted());
    ComputeTaskResult again = nextResult();

    assertEquals("completed", again.getStatus(), again.getError().getMessage());
    assertEquals(CHUNK_CID, again.getReceipts(0).getInputCid());
    assertEquals(1, sink.ranges.size(), "the chunk was downloaded twice: " + sink.ranges);
  }

  @Test
  void bytesThatAreNotTheChunksFailTheTaskWithoutRunningIt() throws Exception {
    TaskRunner runner = runner(1, 1);
    sink.blobs.put(BLOB_CID, BLOB);
    // The reference's range is one byte off: its bytes are not the named chunk's.
    ComputeTaskPacket packet = byReference(chunkRef().setOffset(5));

    assertTrue(runner.assign(assignment("a-1"), packet, ENDPOINT, ORCHESTRATOR).accepted());

    ComputeTaskResult result = nextResult();
    assertEquals("failed", result.getStatus());
    assertEquals(0, result.getReceiptsCount());
    assertEquals(JobErrorKind.JOB_ERROR_KIND_INTERNAL, result.getError().getKind());
    String message = result.getError().getMessage();
    assertTrue(message.startsWith("CHUNK_MISMATCH: "), message);
    assertTrue(message.contains("bytes [5, 25) of blob " + BLOB_CID), message);
    assertTrue(message.contains("not to its chunk_cid " + CHUNK_CID), message);
    assertEquals(0, runner.fuelEstimate(Cid.of(WORD_COUNT), 20).orElse(0), "the module ran");
  }

  @Test
  void aDownloadThatFailsFailsTheTaskNamingTheRangeAndWhy() throws Exception {
    TaskRunner runner = runner(1, 1);
    // The orchestrator does not let this executor read the blob.

    assertTrue(
        runner
            .assign(assignment("a-1"), byReference(chunkRef()), ENDPOINT, ORCHESTRATOR)
            .accepted());

    ComputeTaskResult result = nextResult();
    assertEquals("failed", result.getStatus());
    assertEquals(JobErrorKind.JOB_ERROR_KIND_INTERNAL, result.getError().getKind());
    String message = result.getError().getMessage();
    assertTrue(
        message.startsWith(
            "CHUNK_FETCH_FAILED: downloading the chunk bytes [6, 26) of blob "
                + BLOB_CID
                + " from "
                + ENDPOINT
                + " failed: PERMISSION_DENIED BLOB_ACCESS_DENIED"),
        message);
    // Nothing was cached: the next try downloads again.
    sink.blobs.put(BLOB_CID, BLOB);
    assertTrue(
        runner
            .assign(assignment("a-2"), byReference(chunkRef()), ENDPOINT, ORCHESTRATOR)
            .accepted());
    assertEquals("completed", nextResult().getStatus());
    assertEquals(2, sink.ranges.size());
  }

  @Test
  void aChunkAboveTheInputLimitFailsBeforeAnythingIsDownloaded() throws Exception {
    TaskRunner runner = runner(1, 1);
    sink.blobs.put(BLOB_CID, BLOB);

    assertTrue(
        runner
            .assign(
                assignment("a-1"),
                byReference(chunkRef().setLength(2L << 20)),
                ENDPOINT,
                ORCHESTRATOR)
            .accepted());

    ComputeTaskResult result = nextResult();
    assertEquals(JobErrorKind.JOB_ERROR_KIND_INPUT_TOO_LARGE, result.getError().getKind());
    assertTrue(
        result.getError().getMessage().contains("at most 1048576 bytes"),
        result.getError().getMessage());
    assertEquals(List.of(), sink.ranges);
  }

  @Test
  void cancellingATaskWhileItsChunkDownloadsDeliversNothingAndFreesTheSlot() throws Exception {
    TaskRunner runner = runner(1, 0);
    sink.blobs.put(BLOB_CID, BLOB);
    sink.hold = new CountDownLatch(1);
    assertTrue(
        runner
            .assign(assignment("a-1"), byReference(chunkRef()), ENDPOINT, ORCHESTRATOR)
            .accepted());
    eventually("the download has started", () -> !sink.ranges.isEmpty());

    assertTrue(runner.cancel("a-1"));

    eventually("the runner has room", runner::hasRoom);
    assertEquals(0, runner.runningTasks());
    assertNull(sink.delivered.poll(200, TimeUnit.MILLISECONDS), "a cancelled task delivered");
  }

  @Test
  void malformedChunkReferencesAreRefusedAtAdmission() {
    TaskRunner runner = runner(1, 1);
    Map<String, ComputeTaskPacket> bad =
        Map.of(
            "both chunk_data and chunk_ref",
            byReference(chunkRef()).toBuilder().setChunkData(ByteString.copyFromUtf8("x")).build(),
            "chunk_ref.blob_cid is missing",
            byReference(chunkRef().clearBlobCid()),
            "chunk_ref.chunk_cid " + CHUNK_CID.toUpperCase() + " is not",
            byReference(chunkRef().setChunkCid(CHUNK_CID.toUpperCase())),
            "chunk_ref.length is 0",
            byReference(chunkRef().setLength(0)),
            "ends beyond the largest blob",
            byReference(chunkRef().setOffset(Long.MAX_VALUE)),
            // One byte more than this executor's 1 MiB input limit.
            "chunk_ref.prefix has 1048577 bytes",
            byReference(chunkRef().setPrefix(ByteString.copyFrom(new byte[(1 << 20) + 1]))));
    int i = 0;
    for (Map.Entry<String, ComputeTaskPacket> c : bad.entrySet()) {
      TaskRunner.Acceptance a =
          runner.assign(assignment("bad-" + i++), c.getValue(), ENDPOINT, ORCHESTRATOR);
      assertEquals(TaskRunner.Refusal.CHUNK_REF_INVALID, a.refusal(), c.getKey());
      assertTrue(a.message().contains(c.getKey()), a.message());
    }
    assertEquals(List.of(), sink.ranges);
    assertEquals(0.0, runner.load());
  }
}
