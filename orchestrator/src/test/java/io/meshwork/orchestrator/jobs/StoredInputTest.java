package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
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
}
