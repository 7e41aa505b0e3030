package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on the SQLite journal: the contract, and that compaction gives a file's space back once
 * most of it held removed jobs.
 */
class SqliteJobRetentionTest extends JobRetentionContract {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("orchestrator.db");
  }

  @Override
  JobStore open() {
    return new SqlJobStore(JournalDatabase.sqlite(file()));
  }

  @Test
  void compactingAfterRemovingMostJobsShrinksTheFileAndItsWal() throws Exception {
    try (JobStore store = open()) {
      // Enough jobs that their pages outweigh the schema's (one page per table and index).
      for (int i = 0; i < 1_000; i++) {
        store.insert(ended("job-" + i, JobState.COMPLETED, 10));
        // Settled for good, as the settlement outbox marks a job whose payments all went through.
        store.markReleased("job-" + i, 0);
      }
      store.insert(ended("kept", JobState.COMPLETED, 5_000));
      store.compact();
      long full = size();
      store.forget(store.finishedBefore(1_000, 2_000));
      store.compact();
      long compacted = size();
      assertTrue(compacted * 2 < full, "before " + full + " bytes, after " + compacted);
      assertTrue(store.find("kept").isPresent());
    }
  }

  /** The journal's file and its WAL, in bytes. */
  private long size() throws Exception {
    Path wal = dir.resolve("orchestrator.db-wal");
    return Files.size(file()) + (Files.exists(wal) ? Files.size(wal) : 0);
  }
}
