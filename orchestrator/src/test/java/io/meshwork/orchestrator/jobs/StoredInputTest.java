package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.ChunkUrl;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs whose input is a stored blob named by its CID: cut in ranges, sent inline or by reference,
 * the blob used while the job runs and released when it ends.
 */
class StoredInputTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void aStoredInputIsCutInRangesAndItsBlobIsUsedUntilTheJobEnds() {
    // Chunks over 6 bytes go by reference, the rest inline.
    core.inlineChunkBytes = 6;
    FakeExecutor executor = core.executor("a");
    JobCoordinator coordinator = core.start();
    JobCore.Job job = job("stored", "alpha\n", "bravo\n", "charlie\n", "delta\n");
    String jobId = coordinator.submit(job.storedIn(core.blobs).manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().errorMessage());
    assertEquals("ALPHA\n|BRAVO\n|CHARLIE\n|DELTA\n", text(result.result()));
    assertEquals(4, result.status().totalChunks());
    // "charlie\n" (8 bytes) travelled by reference, to its range of the blob; the others inline.
    // (The merge's input, 42 bytes, went by reference too, as a blob of its own.)
    String blob = Cid.of("alpha\nbravo\ncharlie\ndelta\n".getBytes(StandardCharsets.UTF_8));
    List<Chunk> fetched = executor.fetched.stream().filter(c -> c.blobCid().equals(blob)).toList();
    assertEquals(1, fetched.size(), executor.fetched.toString());
    assertEquals(blob, fetched.get(0).blobCid());
    assertEquals(12, fetched.get(0).offset());
    assertEquals(8, fetched.get(0).size());
    // Every receipt names its chunk's own CID as the input.
    List<String> inputs = core.receipts.entries().stream().map(Receipt::inputCid).toList();
    for (String line : List.of("alpha\n", "bravo\n", "charlie\n", "delta\n")) {
      assertTrue(inputs.contains(Cid.of(line.getBytes(StandardCharsets.UTF_8))), line);
    }
    // The job took the blob up and let go of it when it ended.
    assertTrue(core.blobs.released.contains(jobId));
    assertTrue(core.blobs.uses.isEmpty(), core.blobs.uses.toString());
    // The cut streams the 26 bytes once, each chunk is read once more when its task starts, and
    // the executor fetched the 8 bytes of its reference and the 42 of the merge's input.
    assertEquals(26 + 26 + 8 + 42, core.blobs.bytesRead.get());
  }

  @Test
  void onlyWhoMayReadTheBlobCanRunAJobOnIt() {
    core.executor("a");
    JobCoordinator coordinator = core.start();
    JobManifest theirs = job("theirs", "secret\n").storedIn(core.blobs).manifest();
    Caller stranger = Caller.of(Identity.generate().did(), Role.USER);

    MeshException e = assertThrows(MeshException.class, () -> coordinator.submit(theirs, stranger));

    assertEquals(MeshException.Kind.PERMISSION_DENIED, e.kind());
    assertEquals("BLOB_ACCESS_DENIED", e.reason());
    assertTrue(core.blobs.uses.isEmpty());
  }

  @Test
  void anInputGivenBothWaysIsRefused() {
    JobCoordinator coordinator = core.start();
    JobManifest stored = job("twice", "alpha\n").storedIn(core.blobs).manifest();
    JobManifest both =
        new JobManifest(
            stored.jobId(),
            stored.wasmModule(),
            "alpha\n".getBytes(StandardCharsets.UTF_8),
            stored.inputCid(),
            stored.inputUrl(),
            stored.inputSha256(),
            stored.splitStrategy(),
            stored.minChunkSize(),
            stored.maxChunkSize(),
            stored.verificationMode(),
            stored.timeoutSecs(),
            stored.retryCount(),
            stored.priority(),
            stored.redundancy(),
            stored.manaBudget(),
            stored.operationType(),
            stored.operationWeight(),
            stored.limits(),
            stored.digest(),
            stored.chunkPrefix());

    MeshException e = assertThrows(MeshException.class, () -> coordinator.submit(both, SUBMITTER));

    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("INPUT_TWICE", e.reason());
  }

  @Test
  void aWholeInputLargerThanTheSandboxMemoryIsRefusedAtOnce() {
    JobCoordinator coordinator = core.start();
    // One byte more than a sandbox of one 64 KiB page holds; a host-side split would not care.
    JobCore.Job huge =
        job("huge", "x".repeat(65_536) + "\n").split("none").memory(65_536).storedIn(core.blobs);

    MeshException e =
        assertThrows(MeshException.class, () -> coordinator.submit(huge.manifest(), SUBMITTER));

    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("INPUT_EXCEEDS_MEMORY", e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("limits.memory_bytes 65536"), e.getMessage());
    assertTrue(core.blobs.uses.isEmpty());
  }

  @Test
  void aChunkByReferenceCarriesAUrlOfItsRangeValidPastTheTasksDeadline() {
    core.inlineChunkBytes = 6;
    core.blobs.presignsOn(core.clock);
    FakeExecutor executor = core.executor("a");
    JobCoordinator coordinator = core.start();
    Instant submitted = core.clock.instant();
    String jobId =
        coordinator.submit(
            job("signed", "alpha\n", "bravo\n", "charlie\n", "delta\n")
                .storedIn(core.blobs)
                .manifest(),
            SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, jobId).status().state());

    List<Assignment> byReference =
        executor.assignments.stream()
            // The merge's input goes by reference too; this test is about the input's chunks.
            .filter(a -> !a.task().chunk().inline() && "execute".equals(a.task().exportName()))
            .toList();
    assertEquals(1, byReference.size(), executor.assignments.toString());
    ChunkUrl url = byReference.get(0).task().chunkUrl();
    String blob = Cid.of("alpha\nbravo\ncharlie\ndelta\n".getBytes(StandardCharsets.UTF_8));
    // Presigned for exactly "charlie\n", bytes 12 to 19 of the blob.
    assertTrue(
        url.url().toString().startsWith("https://store.test/" + blob + "?range=12-19"),
        url.toString());
    // The job's timeout is 60 s, shorter than twice the default wall time and the grace: the URL
    // stays valid until that deadline, and a minute past it for clocks apart, but not for days.
    Instant deadline = submitted.plusSeconds(60);
    assertTrue(!url.expiresAt().isBefore(deadline), url + " expires before " + deadline);
    assertTrue(url.expiresAt().isBefore(deadline.plusSeconds(300)), url.toString());
    // On the wire it travels in the chunk reference; inline chunks carry none.
    ChunkReference ref = TaskMessages.packet(byReference.get(0).task()).getChunkRef();
    assertEquals(url.url().toString(), ref.getUrl());
    assertEquals(url.expiresAt().toEpochMilli(), ref.getUrlExpiresAt());
    assertTrue(
        executor.assignments.stream()
            .filter(a -> a.task().chunk().inline())
            .allMatch(a -> a.task().chunkUrl() == null));
  }

  @Test
  void aStoreThatCannotPresignSendsTheReferenceWithoutAUrl() {
    // MemoryBlobs presigns nothing unless told to, as the file store.
    core.inlineChunkBytes = 6;
    FakeExecutor executor = core.executor("a");
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(job("files", "charlie\n").storedIn(core.blobs).manifest(), SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, jobId).status().state());

    Assignment only = executor.assignments.get(0);
    assertTrue(!only.task().chunk().inline());
    assertNull(only.task().chunkUrl());
    ChunkReference ref = TaskMessages.packet(only.task()).getChunkRef();
    assertEquals("", ref.getUrl());
    assertEquals(0, ref.getUrlExpiresAt());
  }

  @Test
  void withPresigningTurnedOffNoUrlIsSentEvenWhereTheStoreCouldPresign() {
    core.inlineChunkBytes = 6;
    core.blobs.presignsOn(core.clock);
    TaskPipeline.Options p = core.placement;
    core.placement =
        new TaskPipeline.Options(
            p.t1(),
            p.t2(),
            p.n1(),
            p.n3(),
            p.busyBackoff(),
            p.probeInterval(),
            p.stealAfter(),
            p.inlineWait(),
            p.resultGrace(),
            p.maxDelegationsPerPeer(),
            false);
    FakeExecutor executor = core.executor("a");
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(job("off", "charlie\n").storedIn(core.blobs).manifest(), SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, jobId).status().state());

    assertNull(executor.assignments.get(0).task().chunkUrl());
    // The chunk and the merge's input, both by reference and both fetched from the stream.
    assertEquals(2, executor.fetched.size());
    assertTrue(executor.assignments.stream().allMatch(a -> a.task().chunkUrl() == null));
  }
}
