package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.wasm.abi.FrameList;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Results larger than {@code orchestrator.inline-result-bytes}: kept in the blob store and
 * journaled by CID, the merge's input sent by reference, the job's result kept past its end and
 * served after a restart; small results exactly as before.
 */
class LargeResultTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aLargeResultIsStoredAsABlobAndTheJournalKeepsItsCidAndSize() {
    FakeExecutor a = core.executor("a");
    // "CHARLIE\n" (8 bytes) is over the threshold, the other chunk results (6) are not; the merge
    // input (4 frames, 42 bytes) is over inline-chunk-bytes and goes by reference.
    core.inlineResultBytes = 6;
    core.inlineChunkBytes = 16;
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("large", "alpha\n", "bravo\n", "charlie\n", "delta\n").manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    byte[] expected = bytes("ALPHA\n|BRAVO\n|CHARLIE\n|DELTA\n");
    ResultContent content = result.content();
    assertTrue(content.stored());
    assertNull(result.result(), "no bytes travel with a stored result");
    assertEquals(expected.length, content.size());
    assertEquals(Cid.of(expected), content.cid());
    assertArrayEquals(expected, core.blobs.get(content.cid()));
    // Kept past the job's end, while the job's own blobs are released.
    assertEquals(content.cid(), core.blobs.keptResults.get(jobId));
    assertTrue(core.blobs.released.contains(jobId));

    // The journal names the result by CID and size, not its bytes.
    JobRecord journaled = core.journal.find(jobId).orElseThrow();
    assertTrue(journaled.resultStored());
    assertNull(journaled.result());
    assertEquals(expected.length, journaled.resultSize());
    assertEquals(content.cid(), journaled.resultCid());
    // The large chunk result too; the small ones stay inline.
    TaskRecord charlie =
        core.journal.tasks(jobId).stream()
            .filter(t -> t.chunkIndex() == 2 && "execute".equals(t.exportName()))
            .findFirst()
            .orElseThrow();
    assertNull(charlie.result());
    assertEquals(8, charlie.resultSize());
    assertEquals(Cid.of(bytes("CHARLIE\n")), charlie.resultCid());
    assertArrayEquals(bytes("CHARLIE\n"), core.blobs.get(charlie.resultCid()));
    TaskRecord alpha = core.journal.tasks(jobId).get(0);
    assertArrayEquals(bytes("ALPHA\n"), alpha.result());

    // The merge got its input by reference: the frame list of the chunk results, as a blob.
    Chunk mergeInput = a.fetched.get(a.fetched.size() - 1);
    assertFalse(mergeInput.inline());
    assertEquals(0, mergeInput.offset());
    byte[] frames =
        FrameList.encode(
            List.of(bytes("ALPHA\n"), bytes("BRAVO\n"), bytes("CHARLIE\n"), bytes("DELTA\n")));
    assertEquals(frames.length, mergeInput.size());
    assertEquals(Cid.of(frames), mergeInput.cid());
    assertArrayEquals(frames, core.blobs.get(mergeInput.blobCid()));
  }

  @Test
  void aRestartedOrchestratorServesAStoredResultFromTheJournal() throws Exception {
    core.executor("a");
    core.inlineResultBytes = 6;
    JobCoordinator before = core.start();
    String jobId = before.submit(job("served", "alpha\n", "bravo\n").manifest(), SUBMITTER);
    ResultContent first = await(before, jobId).content();
    before.close();

    JobCoordinator after = core.start();
    after.resumeUnfinished();
    JobResult again = after.queries().result(jobId, Duration.ZERO, SUBMITTER);

    assertEquals(JobState.COMPLETED, again.status().state());
    assertTrue(again.content().stored());
    assertEquals(first.cid(), again.content().cid());
    assertEquals(first.size(), again.content().size());
    assertArrayEquals(bytes("ALPHA\n|BRAVO\n"), core.blobs.get(again.content().cid()));
  }

  @Test
  void aJobWithoutMergeStreamsItsConcatenatedChunkResultsIntoTheResultBlob() {
    core.executor("a");
    core.inlineResultBytes = 10;
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("concat", "alpha\n", "bravo\n", "charlie\n")
                .module(JobCore.WITHOUT_MERGE)
                .manifest(),
            SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    byte[] expected = bytes("ALPHA\nBRAVO\nCHARLIE\n");
    assertTrue(result.content().stored());
    assertEquals(Cid.of(expected), result.resultCid());
    assertArrayEquals(expected, core.blobs.get(result.resultCid()));
    assertEquals(List.of("result"), core.blobs.written.get(jobId));
    assertEquals(result.resultCid(), core.blobs.keptResults.get(jobId));
  }

  @Test
  void smallResultsStayInlineAndNothingIsWrittenToTheStore() {
    FakeExecutor a = core.executor("a");
    JobCoordinator coordinator = core.start();

    String jobId = coordinator.submit(job("small", "alpha\n", "bravo\n").manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertFalse(result.content().stored());
    assertArrayEquals(bytes("ALPHA\n|BRAVO\n"), result.result());
    assertEquals(Cid.of(result.result()), result.resultCid());
    assertEquals(0, core.blobs.bytesWritten.get());
    assertTrue(core.blobs.keptResults.isEmpty());
    assertTrue(a.fetched.isEmpty(), "the merge input went inline");
    JobRecord journaled = core.journal.find(jobId).orElseThrow();
    assertFalse(journaled.resultStored());
    assertArrayEquals(result.result(), journaled.result());
  }

  @Test
  void aJobResumedAfterACrashMergesChunkResultsJournaledByCid() throws Exception {
    FakeExecutor a = core.executor("a");
    core.maxParallelTasks = 1;
    core.inlineResultBytes = 0;
    core.inlineChunkBytes = 0;
    // The first process dies right after journaling its second task.
    CrashingProcess first = new CrashingProcess(2);
    JobCoordinator before =
        core.start(
            first.port(JobStore.class, core.journal),
            first.port(ManaAccounts.class, core.ledger),
            first.port(ReceiptLog.class, core.receipts),
            first.port(io.meshwork.orchestrator.tasks.ExecutorFleet.class, core.fleet),
            first.port(InputBlobs.class, core.blobs),
            first.port(ResultBlobs.class, core.blobs));
    String jobId =
        before.submit(job("resumed", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    first.awaitDeath();
    before.close();
    List<TaskRecord> journaled = core.journal.tasks(jobId);
    assertEquals(2, journaled.size());
    for (TaskRecord t : journaled) {
      assertNull(t.result(), "journaled by CID: " + t.taskId());
    }

    JobCoordinator after = core.start();
    after.resumeUnfinished();
    JobResult result = await(after, jobId);

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().errorMessage());
    assertArrayEquals(bytes("ALPHA\n|BRAVO\n|CHARLIE\n"), core.blobs.get(result.resultCid()));
    for (TaskRecord t : journaled) {
      assertEquals(
          1, a.assignments.stream().filter(x -> x.taskId().equals(t.taskId())).count(), t.taskId());
    }
  }
}
