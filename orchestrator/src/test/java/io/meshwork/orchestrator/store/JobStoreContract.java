package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.orchestrator.jobs.DelegationJournal;
import io.meshwork.orchestrator.jobs.FencedOutException;
import io.meshwork.orchestrator.jobs.JobListing;
import io.meshwork.orchestrator.jobs.JobManifest;
import io.meshwork.orchestrator.jobs.JobRecord;
import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.jobs.ReceiptLog;
import io.meshwork.orchestrator.jobs.TaskRecord;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TreeRoute;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.orchestrator.trust.ExecutorRecord;
import io.meshwork.orchestrator.wire.JobMessages;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.receipt.format.ReceiptCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every job journal must do, run against SQLite in a temporary file and PostgreSQL for real:
 * jobs, tasks, placements and once-only records round trip and survive reopening, group commit
 * keeps each writer's order and fails a bad write alone, and the journal is fenced.
 */
abstract class JobStoreContract extends JournalFenceContract<JobStore> {
  /** Opens the journal under test; a second call opens the same journal again. */
  @Override
  abstract JobStore open();

  @Override
  void write(JobStore store, String mark) {
    store.insert(job(mark, JobState.PENDING, 1));
  }

  @Override
  boolean holds(JobStore store, String mark) {
    return store.find(mark).isPresent();
  }

  static JobManifest manifest(String id) {
    return manifest(id, ("input of " + id).getBytes(StandardCharsets.UTF_8), "", "");
  }

  /** A manifest whose input is inline ({@code input}) or fetched from {@code inputUrl}. */
  static JobManifest manifest(String id, byte[] input, String inputUrl, String inputSha256) {
    return new JobManifest(
        id,
        ("module of " + id).getBytes(StandardCharsets.UTF_8),
        input,
        "",
        inputUrl,
        inputSha256,
        "lines",
        1,
        1000,
        "redundant",
        60,
        2,
        "high",
        3,
        500,
        "word_count",
        1.5,
        new Limits(1000, 65_536, 2000, 1 << 20, 4096),
        new byte[] {1, 2, 3},
        // Journaled, so that a resumed job puts the same prefix before the same chunks.
        ("pattern of " + id + "\n").getBytes(StandardCharsets.UTF_8));
  }

  static JobRecord job(String id, JobState state, long submittedAt) {
    return job(manifest(id), state, submittedAt);
  }

  static JobRecord job(JobManifest manifest, JobState state, long submittedAt) {
    String id = manifest.jobId();
    return new JobRecord(
        id,
        "did:key:zSubmitter",
        state,
        manifest,
        new byte[] {1, 2, 3},
        "hold-" + id,
        1000,
        0,
        0,
        0,
        0,
        null,
        null,
        null,
        submittedAt,
        0);
  }

  static Placement placement(String taskId) {
    return new Placement(
        taskId,
        3,
        "execute",
        1,
        "did:key:zWinner",
        7,
        "lowest score",
        List.of(
            new Placement.BidVerdict("did:key:zWinner", 7, 0.5, 0.25, 0.8, true, "lowest score"),
            new Placement.BidVerdict("did:key:zLoser", 9, 0.5, 0.0, 1.0, false, "price 9 > 7")),
        List.of(new Placement.Refusal("127.0.0.1:1", "NO_BID (no answer within T2, 1000 ms)")),
        "accepted",
        1234,
        "primary");
  }

  static TaskRecord task(String jobId, int chunk, String export) {
    String taskId = jobId + ":" + (export.equals("merge") ? "merge" : chunk);
    return new TaskRecord(
        taskId,
        jobId,
        chunk,
        export,
        "did:key:zExecutor",
        7,
        ("result " + taskId).getBytes(StandardCharsets.UTF_8),
        "bresult" + chunk,
        "breceipt" + chunk,
        chunk);
  }

  private static void assertSameJob(JobRecord expected, JobRecord actual) {
    assertEquals(expected.jobId(), actual.jobId());
    assertEquals(expected.submitterDid(), actual.submitterDid());
    assertEquals(expected.state(), actual.state());
    // The manifest as a message: every field the journal keeps, compared in one go.
    assertEquals(
        JobMessages.manifest(expected.manifest()), JobMessages.manifest(actual.manifest()));
    assertArrayEquals(expected.manifestDigest(), actual.manifestDigest());
    assertEquals(expected.holdId(), actual.holdId());
    assertEquals(expected.budget(), actual.budget());
    assertEquals(expected.spent(), actual.spent());
    assertEquals(expected.refunded(), actual.refunded());
    assertEquals(expected.totalChunks(), actual.totalChunks());
    assertEquals(expected.completedChunks(), actual.completedChunks());
    assertEquals(expected.errorMessage(), actual.errorMessage());
    assertArrayEquals(expected.result(), actual.result());
    assertEquals(expected.resultCid(), actual.resultCid());
    assertEquals(expected.resultSize(), actual.resultSize());
    assertEquals(expected.resultStored(), actual.resultStored());
    assertEquals(expected.submittedAt(), actual.submittedAt());
    assertEquals(expected.finishedAt(), actual.finishedAt());
  }

  @Test
  void insertFindAndUpdateRoundTrip() {
    try (JobStore store = open()) {
      JobRecord pending = job("job-1", JobState.PENDING, 100);
      assertTrue(store.insert(pending));
      JobRecord found = store.find("job-1").orElseThrow();
      assertSameJob(pending, found);
      assertNull(found.result());

      JobRecord done =
          new JobRecord(
              "job-1",
              pending.submitterDid(),
              JobState.COMPLETED,
              pending.manifest(),
              pending.manifestDigest(),
              pending.holdId(),
              1000,
              60,
              940,
              3,
              3,
              null,
              "merged".getBytes(StandardCharsets.UTF_8),
              "bmerged",
              100,
              200);
      store.update(done);
      assertSameJob(done, store.find("job-1").orElseThrow());

      // What was submitted is never rewritten: the coordinator updates without the manifest.
      store.update(
          new JobRecord(
              "job-1",
              "did:key:someone-else",
              JobState.COMPLETED,
              null,
              null,
              done.holdId(),
              5,
              done.spent(),
              done.refunded(),
              3,
              3,
              null,
              done.result(),
              done.resultCid(),
              999,
              200));
      assertSameJob(done, store.find("job-1").orElseThrow());
    }
  }

  @Test
  void unknownJobIsNotFound() {
    try (JobStore store = open()) {
      assertTrue(store.find("nope").isEmpty());
    }
  }

  @Test
  void insertingAnExistingIdReturnsFalseAndKeepsTheFirst() {
    try (JobStore store = open()) {
      assertTrue(store.insert(job("job-1", JobState.PENDING, 100)));
      assertFalse(store.insert(job("job-1", JobState.FAILED, 999)));

      JobRecord kept = store.find("job-1").orElseThrow();
      assertEquals(JobState.PENDING, kept.state());
      assertEquals(100, kept.submittedAt());
    }
  }

  @Test
  void unfinishedListsOnlyJobsThatHaveNotEndedOldestFirst() {
    try (JobStore store = open()) {
      store.insert(job("computing", JobState.COMPUTING, 300));
      store.insert(job("completed", JobState.COMPLETED, 50));
      store.insert(job("pending", JobState.PENDING, 100));
      store.insert(job("failed", JobState.FAILED, 60));
      store.insert(job("assigned", JobState.ASSIGNED, 200));
      store.insert(job("cancelled", JobState.CANCELLED, 70));
      store.insert(job("verifying", JobState.VERIFYING, 400));

      List<String> ids = store.unfinished().stream().map(JobRecord::jobId).toList();

      assertEquals(List.of("pending", "assigned", "computing", "verifying"), ids);
    }
  }

  @Test
  void listingGoesNewestFirstPerSubmitterAndPagesFromAPosition() {
    try (JobStore store = open()) {
      store.insert(job("a-old", JobState.COMPLETED, 100));
      store.insert(job("a-new", JobState.COMPUTING, 300));
      // Two jobs of the same millisecond: the larger id comes first.
      store.insert(job("a-tie-1", JobState.FAILED, 200));
      store.insert(job("a-tie-2", JobState.PENDING, 200));
      JobRecord other = job("b-job", JobState.COMPLETED, 250);
      store.insert(
          new JobRecord(
              other.jobId(),
              "did:key:zOther",
              other.state(),
              other.manifest(),
              other.manifestDigest(),
              other.holdId(),
              other.budget(),
              other.spent(),
              other.refunded(),
              other.totalChunks(),
              other.completedChunks(),
              "went wrong",
              null,
              null,
              250,
              260));

      List<JobListing> mine = store.list(Optional.of("did:key:zSubmitter"), Optional.empty(), 10);
      assertEquals(
          List.of("a-new", "a-tie-2", "a-tie-1", "a-old"),
          mine.stream().map(JobListing::jobId).toList());
      assertEquals(JobState.COMPUTING, mine.get(0).state());
      assertEquals(1000, mine.get(0).budget());
      assertEquals("", mine.get(0).errorMessage());

      List<JobListing> all = store.list(Optional.empty(), Optional.empty(), 2);
      assertEquals(List.of("a-new", "b-job"), all.stream().map(JobListing::jobId).toList());
      assertEquals("went wrong", all.get(1).errorMessage());
      assertEquals(260, all.get(1).finishedAt());

      List<JobListing> next = store.list(Optional.empty(), Optional.of(all.get(1).position()), 2);
      assertEquals(List.of("a-tie-2", "a-tie-1"), next.stream().map(JobListing::jobId).toList());
      List<JobListing> rest =
          store.list(Optional.of("did:key:zSubmitter"), Optional.of(next.get(0).position()), 10);
      assertEquals(List.of("a-tie-1", "a-old"), rest.stream().map(JobListing::jobId).toList());
      assertTrue(store.list(Optional.of("did:key:zNobody"), Optional.empty(), 10).isEmpty());
    }
  }

  @Test
  void earningsSumEveryPaymentOfEveryTaskByExecutor() {
    try (JobStore store = open()) {
      assertEquals(java.util.Map.of(), store.earnings());
      store.saveTask(task("job-1", 0, "execute"));
      store.saveTask(task("job-1", 1, "execute"));
      TaskRecord replicated = task("job-2", 0, "execute");
      store.saveTask(
          new TaskRecord(
              replicated.taskId(),
              replicated.jobId(),
              replicated.chunkIndex(),
              replicated.exportName(),
              "did:key:zOther",
              5,
              replicated.result(),
              replicated.resultCid(),
              replicated.receiptCid(),
              replicated.logIndex(),
              List.of(new TaskRecord.Payment("did:key:zExecutor", 3, "breplica", 9))));

      assertEquals(
          java.util.Map.of("did:key:zExecutor", 7L + 7 + 3, "did:key:zOther", 5L),
          store.earnings());
    }
  }

  @Test
  void aJobsStatementIsKeptOnceAndSurvivesReopening() {
    ReceiptLog.AnchoredStatement first =
        new ReceiptLog.AnchoredStatement(
            "bafkreistatement", 41, "c2sp.org/tlog-proof@v1\nextra AAAA\nindex 41\n\nnote\n");
    try (JobStore store = open()) {
      store.insert(job("job-1", JobState.VERIFYING, 100));
      assertEquals(Optional.empty(), store.statement("job-1"));
      store.saveStatement("job-1", first);
      // Issued again after a restart: the first answer stays.
      store.saveStatement("job-1", new ReceiptLog.AnchoredStatement("bafkreiother", 42, "x"));
    }
    try (JobStore reopened = open()) {
      assertEquals(Optional.of(first), reopened.statement("job-1"));
      assertEquals(Optional.empty(), reopened.statement("job-2"));
    }
  }

  @Test
  void savingATaskTwiceKeepsOneRow() {
    try (JobStore store = open()) {
      store.saveTask(task("job-1", 0, "execute"));
      store.saveTask(task("job-1", 0, "execute"));

      List<TaskRecord> tasks = store.tasks("job-1");
      assertEquals(1, tasks.size());
      assertEquals("job-1:0", tasks.get(0).taskId());
    }
  }

  @Test
  void tasksComeInChunkOrderWithTheMergeLast() {
    try (JobStore store = open()) {
      store.saveTask(task("job-1", 2, "execute"));
      // The merge task's chunk index is below the others' so ordering by index alone would fail.
      store.saveTask(task("job-1", 0, "merge"));
      store.saveTask(task("job-1", 1, "execute"));
      store.saveTask(task("job-1", 0, "execute"));
      store.saveTask(task("other-job", 0, "execute"));

      List<String> ids = store.tasks("job-1").stream().map(TaskRecord::taskId).toList();

      assertEquals(List.of("job-1:0", "job-1:1", "job-1:2", "job-1:merge"), ids);
    }
  }

  @Test
  void taskFieldsRoundTrip() {
    try (JobStore store = open()) {
      TaskRecord saved = task("job-1", 4, "execute");
      store.saveTask(saved);

      TaskRecord read = store.tasks("job-1").get(0);
      assertEquals(saved.taskId(), read.taskId());
      assertEquals(saved.jobId(), read.jobId());
      assertEquals(saved.chunkIndex(), read.chunkIndex());
      assertEquals(saved.exportName(), read.exportName());
      assertEquals(saved.executorDid(), read.executorDid());
      assertEquals(saved.price(), read.price());
      assertArrayEquals(saved.result(), read.result());
      assertEquals(saved.resultCid(), read.resultCid());
      assertEquals(saved.receiptCid(), read.receiptCid());
      assertEquals(saved.logIndex(), read.logIndex());
    }
  }

  @Test
  void aStoredResultIsJournaledByCidAndSizeWithoutItsBytes() {
    JobRecord submitted = job("job-1", JobState.COMPUTING, 100);
    JobRecord completed =
        new JobRecord(
            "job-1",
            submitted.submitterDid(),
            JobState.COMPLETED,
            null,
            submitted.manifestDigest(),
            submitted.holdId(),
            submitted.budget(),
            10,
            990,
            3,
            3,
            "",
            null,
            "bafkreiresult",
            submitted.submittedAt(),
            200,
            5L << 30,
            true);
    TaskRecord inline = task("job-1", 0, "execute");
    TaskRecord stored =
        new TaskRecord(
            "job-1:1",
            "job-1",
            1,
            "execute",
            "did:key:zExecutor",
            7,
            null,
            "bafkreichunk",
            "breceipt1",
            1,
            List.of(),
            9L << 20);
    try (JobStore store = open()) {
      store.insert(submitted);
      store.update(completed);
      store.saveTask(inline);
      store.saveTask(stored);
    }
    try (JobStore reopened = open()) {
      JobRecord job = reopened.find("job-1").orElseThrow();
      assertTrue(job.resultStored());
      assertNull(job.result());
      assertEquals(5L << 30, job.resultSize());
      assertEquals("bafkreiresult", job.resultCid());
      assertTrue(job.content().stored());
      List<TaskRecord> tasks = reopened.tasks("job-1");
      assertArrayEquals(inline.result(), tasks.get(0).result());
      assertEquals(inline.result().length, tasks.get(0).resultSize());
      assertNull(tasks.get(1).result());
      assertEquals(9L << 20, tasks.get(1).resultSize());
      assertEquals("bafkreichunk", tasks.get(1).content().cid());
      assertTrue(tasks.get(1).content().stored());
    }
  }

  @Test
  void reopeningKeepsJobsAndTasks() {
    JobRecord pending = job("job-1", JobState.COMPUTING, 100);
    try (JobStore store = open()) {
      store.insert(pending);
      store.saveTask(task("job-1", 0, "execute"));
    }
    try (JobStore reopened = open()) {
      assertSameJob(pending, reopened.find("job-1").orElseThrow());
      assertEquals(1, reopened.unfinished().size());
      assertEquals(1, reopened.tasks("job-1").size());
      // Migrations must not run again on an existing journal.
      assertTrue(reopened.insert(job("job-2", JobState.PENDING, 200)));
    }
  }

  @Test
  void aJournaledTaskOwesEachPaymentUntilItIsMarkedPaidAcrossReopening() {
    TaskRecord plain = task("job-1", 0, "execute");
    TaskRecord withOthers =
        new TaskRecord(
            "job-1:1",
            "job-1",
            1,
            "execute",
            "did:key:zFirst",
            5,
            "r".getBytes(StandardCharsets.UTF_8),
            "bresult1",
            "breceipt1",
            11,
            List.of(
                new TaskRecord.Payment("did:key:zLater", 3, "bl", 13),
                new TaskRecord.Payment("did:key:zEarlier", 2, "be", 12)));
    try (JobStore store = open()) {
      store.insert(job("job-1", JobState.COMPUTING, 100));
      store.saveTask(plain);
      store.saveTask(withOthers);
      List<io.meshwork.orchestrator.jobs.SettlementJournal.Owed> owed = store.unpaid("job-1");
      // Positions follow TaskRecord.payments(): the accepted executor, then the others in log
      // order.
      assertEquals(
          List.of("job-1:0#0", "job-1:1#0", "job-1:1#1", "job-1:1#2"),
          owed.stream().map(o -> o.taskId() + "#" + o.position()).toList());
      assertEquals(withOthers.payments().get(2), owed.get(2).payment());
      store.markPaid(owed.get(0));
      store.markPaid(owed.get(2));
      store.markPaid(owed.get(2));
    }
    try (JobStore reopened = open()) {
      assertEquals(
          List.of("job-1:1#0", "job-1:1#2"),
          reopened.unpaid("job-1").stream().map(o -> o.taskId() + "#" + o.position()).toList());
    }
  }

  @Test
  void aJobsHoldIsUnreleasedUntilMarkedAndReplacementsAreKeptOnce() {
    try (JobStore store = open()) {
      store.insert(job("job-1", JobState.COMPUTING, 100));
      store.insert(job("job-2", JobState.COMPLETED, 50));
      assertEquals(List.of("job-2", "job-1"), store.unreleased());
      store.markReleased("job-2", 40);
      store.markReleased("job-2", 99);
      assertEquals(List.of("job-1"), store.unreleased());
      assertEquals(40, store.find("job-2").orElseThrow().refunded());

      var first = store.replaceHold("job-1", "hold-a", 300);
      assertEquals(300, first.amount());
      assertNull(first.holdId());
      // Asked again, with whatever amount: the first recorded stands.
      assertEquals(first, store.replaceHold("job-1", "hold-a", 999));
      store.replacementCreated("hold-a", "hold-b");
      store.replaceHold("job-1", "hold-b", 100);
    }
    try (JobStore reopened = open()) {
      var chain = reopened.replacementHolds("job-1");
      assertEquals(2, chain.size());
      assertEquals("hold-b", chain.get(0).holdId());
      assertEquals("hold-b", chain.get(1).replacedHoldId());
      assertNull(chain.get(1).holdId());
      assertEquals(List.of("job-1"), reopened.unreleased());
    }
  }

  @Test
  void anAcceptedDelegationKeepsItsPacketCutAndSettledPartsUntilFinished() {
    TaskPacket packet =
        new TaskPacket(
            "theirs:0",
            "theirs",
            0,
            Chunk.inline("alpha\nbravo\n".getBytes(StandardCharsets.UTF_8)),
            "bafkmodule",
            "module".getBytes(StandardCharsets.UTF_8),
            1,
            60_000,
            new Limits(0, 0, 0, 0, 0),
            100,
            VerificationMode.HASH,
            "execute",
            null,
            0,
            new TreeRoute(List.of("did:key:delegator"), "lines", 0, 0, 0));
    ExecutionReceipt signed =
        ExecutionReceipt.newBuilder()
            .setTaskId("theirs:0/0")
            .setJobId("theirs")
            .setExecutorDid("did:key:executor")
            .setOutputCid("bafkout")
            .setExportName("execute")
            .setFuelUsed(7)
            .setSignature(com.google.protobuf.ByteString.copyFrom(new byte[64]))
            .build();
    Receipt receipt = TaskMessages.receipt(ReceiptCodec.leafBytes(signed));
    byte[] result = "ALPHA\n".getBytes(StandardCharsets.UTF_8);
    try (JobStore store = open()) {
      DelegationJournal d = store.delegations();
      d.accepted(
          new DelegationJournal.Accepted(
              "request-1", "did:key:delegator", "delegator:1", packet, "hold-1", 5_000, 1_000));
      assertEquals(List.of(0L, 6L, 12L), d.fixCut("request-1", List.of(0L, 6L, 12L)));
      assertEquals(List.of(0L, 6L, 12L), d.fixCut("request-1", List.of(0L, 12L)), "cut once");
      d.settled(
          "request-1",
          new DelegationJournal.SettledPart("theirs:0/0", result, "bafkr", receipt, 9));
      d.settled(
          "request-1",
          new DelegationJournal.SettledPart("theirs:0/0", new byte[0], "other", receipt, 1));
    }
    try (JobStore reopened = open()) {
      DelegationJournal d = reopened.delegations();
      DelegationJournal.Accepted a = d.open().get(0);
      assertEquals("did:key:delegator", a.delegatorDid());
      assertEquals("delegator:1", a.replyTo());
      assertEquals("hold-1", a.holdId());
      assertEquals(5_000, a.deadlineMillis());
      assertEquals("theirs:0", a.packet().taskId());
      assertEquals("lines", a.packet().route().splitStrategy());
      assertArrayEquals(packet.module(), a.packet().module());
      assertArrayEquals(packet.chunk().bytes(), a.packet().chunk().bytes());
      DelegationJournal.SettledPart part = d.settledParts("request-1").get("theirs:0/0");
      assertArrayEquals(result, part.result(), "the first record of a part stands");
      assertEquals(9, part.paid());
      assertEquals("did:key:executor", part.receipt().executorDid());
      assertEquals(7, part.receipt().fuelUsed());
      assertEquals(List.of(0L, 6L, 12L), d.fixCut("request-1", List.of(0L, 12L)));
      d.finished("request-1");
      assertTrue(d.open().isEmpty());
      assertTrue(d.settledParts("request-1").isEmpty());
    }
  }

  @Test
  void aFetchedInputIsRecordedOnceAndKeptWithTheUrlOfItsManifest() {
    JobManifest fetched =
        manifest("job-url", new byte[0], "https://data.example.com/in.txt", "ab".repeat(32));
    try (JobStore store = open()) {
      store.insert(job(fetched, JobState.FETCHING, 100));
      assertEquals(Optional.empty(), store.fetchedInput("job-url"));
      assertEquals("bafkreifirst", store.fixFetchedInput("job-url", "bafkreifirst"));
      // A second record (a fetch that raced the first) keeps the first.
      assertEquals("bafkreifirst", store.fixFetchedInput("job-url", "bafkreisecond"));
    }
    try (JobStore reopened = open()) {
      assertEquals(Optional.of("bafkreifirst"), reopened.fetchedInput("job-url"));
      JobRecord read = reopened.find("job-url").orElseThrow();
      assertEquals(JobState.FETCHING, read.state());
      assertEquals("https://data.example.com/in.txt", read.manifest().inputUrl());
      assertEquals("ab".repeat(32), read.manifest().inputSha256());
      assertEquals(
          List.of("job-url"), reopened.unfinished().stream().map(JobRecord::jobId).toList());
    }
  }

  @Test
  void concurrentWritesAreGroupCommittedAndABadOneFailsAlone() throws Exception {
    try (JobStore store = open()) {
      int threads = 8;
      int each = 50;
      List<Thread> writers = new ArrayList<>();
      AtomicInteger refused = new AtomicInteger();
      for (int t = 0; t < threads; t++) {
        int writer = t;
        writers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      for (int i = 0; i < each; i++) {
                        store.savePlacement("job-" + writer, placement("p" + i));
                        if (i % 10 == 0) {
                          // NOT NULL job_id: this write fails, and only this one.
                          try {
                            store.savePlacement(null, placement("bad"));
                          } catch (IllegalStateException e) {
                            refused.incrementAndGet();
                          }
                        }
                      }
                    }));
      }
      for (Thread w : writers) {
        w.join();
      }
      assertEquals(threads * each / 10, refused.get());
      for (int t = 0; t < threads; t++) {
        List<Placement> placements = store.placements("job-" + t);
        assertEquals(each, placements.size(), "job-" + t);
        for (int i = 0; i < each; i++) {
          // Each writer's own writes keep their order, and come back whole.
          assertEquals(placement("p" + i), placements.get(i));
        }
      }
    }
    // Every write that returned is on disk.
    try (JobStore reopened = open()) {
      assertEquals(50, reopened.placements("job-7").size());
    }
  }

  @Test
  void aClosedJournalRefusesWritesWithAClearError() {
    JobStore store = open();
    store.close();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> store.savePlacement("job-1", placement("late")));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  @Test
  void theChunkSizeIsFixedOnceAndKeptAcrossReopening() {
    try (JobStore store = open()) {
      assertEquals(1L << 40, store.fixChunkSize("job-1", 1L << 40));
      // A resumed job asks again with what capacity says now, and gets what was fixed first.
      assertEquals(1L << 40, store.fixChunkSize("job-1", 4096));
      assertEquals(4096, store.fixChunkSize("job-2", 4096));
    }
    try (JobStore reopened = open()) {
      assertEquals(1L << 40, reopened.fixChunkSize("job-1", 7));
    }
  }

  @Test
  void aTaskKeepsEveryOtherExecutorItPaidInLogOrder() {
    TaskRecord agreed =
        new TaskRecord(
            "job-1:0",
            "job-1",
            0,
            "execute",
            "did:key:zAccepted",
            7,
            "r".getBytes(StandardCharsets.UTF_8),
            "bresult",
            "breceipt",
            10,
            List.of(
                new TaskRecord.Payment("did:key:zSecond", 8, "breceipt12", 12),
                new TaskRecord.Payment("did:key:zFirst", 6, "breceipt11", 11)));
    try (JobStore store = open()) {
      store.saveTask(agreed);
      // Saved again (a replay after a restart): still one row, still two payments.
      store.saveTask(agreed);
    }
    try (JobStore reopened = open()) {
      List<TaskRecord> tasks = reopened.tasks("job-1");
      assertEquals(1, tasks.size());
      assertEquals(
          List.of(
              new TaskRecord.Payment("did:key:zFirst", 6, "breceipt11", 11),
              new TaskRecord.Payment("did:key:zSecond", 8, "breceipt12", 12)),
          tasks.get(0).alsoPaid());
    }
  }

  @Test
  void anExecutorsRecordIsReplacedAndOneNeverSeenIsZero() {
    try (JobStore store = open()) {
      assertEquals(ExecutorRecord.unknown("did:key:zNew"), store.executor("did:key:zNew"));
      store.saveExecutor(new ExecutorRecord("did:key:zE", 1, 0, 2, 100));
      store.saveExecutor(new ExecutorRecord("did:key:zE", 5, 1, 2, 200));
    }
    try (JobStore reopened = open()) {
      assertEquals(new ExecutorRecord("did:key:zE", 5, 1, 2, 200), reopened.executor("did:key:zE"));
    }
  }

  @Test
  void aGroupOfWritesFromADeposedStoreIsRefusedWhole() throws Exception {
    try (JobStore deposed = open();
        JobStore leader = open()) {
      deposed.fence(1);
      leader.fence(2);
      List<Thread> writers = new ArrayList<>();
      AtomicInteger refused = new AtomicInteger();
      for (int t = 0; t < 8; t++) {
        String job = "job-" + t;
        writers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        deposed.savePlacement(job, placement("p"));
                      } catch (FencedOutException e) {
                        refused.incrementAndGet();
                      }
                    }));
      }
      for (Thread w : writers) {
        w.join();
      }
      assertEquals(8, refused.get());
      for (int t = 0; t < 8; t++) {
        assertEquals(List.of(), leader.placements("job-" + t));
      }
    }
  }

  @Test
  void aStoreFencedWhileItWritesLosesNoWrite() throws Exception {
    try (JobStore store = open()) {
      AtomicInteger failed = new AtomicInteger();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String job = "job-" + t;
        writers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      for (int i = 0; i < 100; i++) {
                        try {
                          store.savePlacement(job, placement("p" + i));
                        } catch (RuntimeException e) {
                          failed.incrementAndGet();
                        }
                      }
                    }));
      }
      // The leader's own fences, as it is elected again and again, never refuse its writes.
      for (long epoch = 1; epoch <= 20; epoch++) {
        store.fence(epoch);
      }
      for (Thread w : writers) {
        w.join();
      }
      assertEquals(0, failed.get());
      for (int t = 0; t < 4; t++) {
        assertEquals(100, store.placements("job-" + t).size());
      }
    }
  }
}
