package io.meshwork.orchestrator.store;

import static io.meshwork.orchestrator.store.JobStoreContract.job;
import static io.meshwork.orchestrator.store.JobStoreContract.placement;
import static io.meshwork.orchestrator.store.JobStoreContract.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JobRecord;
import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.jobs.ReceiptLog;
import io.meshwork.orchestrator.jobs.TaskRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every job journal must do for retention, against SQLite and PostgreSQL for real: jobs that
 * finished before the cutoff are listed oldest first and removed with every row they had; jobs that
 * have not finished, or whose hold the settlement outbox has not released, are never removed, even
 * when asked by id; earnings survive the removal.
 */
abstract class JobRetentionContract {
  /** Opens the journal under test. */
  abstract JobStore open();

  /** {@code id} in {@code state}, submitted at 1 and (when finished) ended at {@code endedAt}. */
  static JobRecord ended(String id, JobState state, long endedAt) {
    JobRecord j = job(id, state, 1);
    return new JobRecord(
        j.jobId(),
        j.submitterDid(),
        state,
        j.manifest(),
        j.manifestDigest(),
        j.holdId(),
        j.budget(),
        7,
        j.budget() - 7,
        1,
        1,
        null,
        new byte[] {4, 2},
        null,
        1,
        endedAt);
  }

  /**
   * A job with a row in every table the journal keeps for a job; a finished one settled for good
   * (its hold released by the settlement outbox).
   */
  private static void everything(JobStore store, JobRecord j) {
    unreleased(store, j);
    if (j.state().terminal()) {
      store.markReleased(j.jobId(), j.refunded());
    }
  }

  /** As {@link #everything}, but a finished job still owes: its hold is not released. */
  private static void unreleased(JobStore store, JobRecord j) {
    store.insert(j);
    store.saveTask(task(j.jobId(), 0, "execute"));
    TaskRecord t = task(j.jobId(), 0, "merge");
    store.saveTask(
        new TaskRecord(
            t.taskId(),
            t.jobId(),
            t.chunkIndex(),
            t.exportName(),
            t.executorDid(),
            t.price(),
            t.result(),
            t.resultCid(),
            t.receiptCid(),
            t.logIndex(),
            List.of(new TaskRecord.Payment("did:key:zReplica", 3, "breplica", 9))));
    store.savePlacement(j.jobId(), placement(j.jobId() + ":0"));
    store.fixChunkSize(j.jobId(), 64);
    store.fixFetchedInput(j.jobId(), "bafkreiinput" + j.jobId());
    store.saveStatement(j.jobId(), new ReceiptLog.AnchoredStatement("bafkrei" + j.jobId(), 5, "x"));
  }

  @Test
  void finishedJobsPastTheCutoffGoWithEveryRowAndUnfinishedOnesNever() {
    try (JobStore store = open()) {
      everything(store, ended("old-completed", JobState.COMPLETED, 100));
      everything(store, ended("old-failed", JobState.FAILED, 200));
      everything(store, ended("old-cancelled", JobState.CANCELLED, 300));
      everything(store, ended("recent", JobState.COMPLETED, 5_000));
      // Unfinished jobs end at 0, before any cutoff: only their state keeps them.
      everything(store, ended("running", JobState.COMPUTING, 0));
      everything(store, ended("pending", JobState.PENDING, 0));
      // Finished long ago, but a payment is still owed: its hold is not released.
      unreleased(store, ended("owing", JobState.COMPLETED, 50));
      Map<String, Long> earned = store.earnings();

      List<String> due = store.finishedBefore(1_000, 10);
      assertEquals(List.of("old-completed", "old-failed", "old-cancelled"), due);
      assertEquals(List.of("old-completed"), store.finishedBefore(1_000, 1));

      // Asked for the unfinished ones too, it removes only the finished.
      assertEquals(
          3,
          store.forget(
              List.of(
                  "old-completed", "old-failed", "old-cancelled", "running", "pending", "owing")));
      for (String gone : due) {
        assertTrue(store.find(gone).isEmpty(), gone);
        assertTrue(store.tasks(gone).isEmpty(), gone);
        assertTrue(store.placements(gone).isEmpty(), gone);
        assertTrue(store.fetchedInput(gone).isEmpty(), gone);
        assertTrue(store.statement(gone).isEmpty(), gone);
      }
      for (String kept : List.of("recent", "running", "pending", "owing")) {
        assertTrue(store.find(kept).isPresent(), kept);
        assertEquals(2, store.tasks(kept).size(), kept);
        assertEquals(1, store.placements(kept).size(), kept);
        assertTrue(store.statement(kept).isPresent(), kept);
      }
      assertEquals(List.of(), store.finishedBefore(1_000, 10));
      assertEquals(0, store.forget(List.of("old-completed", "unknown")));
      // What the removed tasks paid still counts.
      assertEquals(earned, store.earnings());
      store.compact();
      assertTrue(store.find("recent").isPresent());
      // A chunk size fixed again for a removed job is a new record, not the old one.
      assertEquals(128, store.fixChunkSize("old-completed", 128));
    }
  }

  @Test
  void manyExpiredJobsGoAcrossPagesAndTheJournalStaysUsable() {
    try (JobStore store = open()) {
      for (int i = 0; i < 30; i++) {
        everything(store, ended(String.format("job-%02d", i), JobState.COMPLETED, 10 + i));
      }
      int removed = 0;
      List<String> page;
      while (!(page = store.finishedBefore(1_000, 7)).isEmpty()) {
        removed += store.forget(page);
      }
      assertEquals(30, removed);
      store.compact();
      assertTrue(store.insert(job("after", JobState.PENDING, 2)));
      assertEquals(
          Map.of("did:key:zExecutor", 30L * 14, "did:key:zReplica", 30L * 3), store.earnings());
    }
  }
}
