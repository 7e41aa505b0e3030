package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job journal in a SQLite file: the journal contract (two handles on one file stand for two
 * replicas), plus its file's durability settings and the upgrade of a journal older than fencing.
 */
class SqliteJobStoreTest extends JobStoreContract {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("orchestrator.db");
  }

  @Override
  JobStore open() {
    return new SqlJobStore(JournalDatabase.sqlite(file()));
  }

  @Test
  void theFileIsInWalModeAndAJournalFromBeforeFencingIsUpgradedAtEpochZero() throws Exception {
    try (JobStore store = open()) {
      store.insert(job("old", JobState.COMPUTING, 1));
    }
    // What a journal written before fencing looks like: twelve versions, no epoch table, and
    // none of the later listing indexes, job statements, delegations or forgotten earnings.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE journal_epoch");
      s.execute("DROP INDEX jobs_by_submitter");
      s.execute("DROP INDEX jobs_by_submission");
      s.execute("DROP TABLE job_statements");
      // Nor the settlement outbox's marks and replacement holds.
      s.execute("DROP INDEX jobs_unreleased");
      s.execute("DROP TABLE replacement_holds");
      s.execute("ALTER TABLE tasks DROP COLUMN paid_at");
      s.execute("ALTER TABLE task_payments DROP COLUMN paid_at");
      s.execute("ALTER TABLE jobs DROP COLUMN released_at");
      // Nor the sub-manager's journal of delegations.
      s.execute("DROP TABLE accepted_delegations");
      s.execute("DROP TABLE delegation_parts");
      // Nor retention's forgotten earnings.
      s.execute("DROP TABLE forgotten_earnings");
      s.execute("DELETE FROM schema_version WHERE version > 12");
    }
    try (JobStore upgraded = open()) {
      assertTrue(upgraded.find("old").isPresent());
      assertTrue(upgraded.insert(job("new", JobState.PENDING, 2)));
      upgraded.fence(3);
      assertTrue(upgraded.insert(job("fenced", JobState.PENDING, 3)));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        assertEquals("wal", rs.getString(1));
      }
      try (ResultSet rs = s.executeQuery("SELECT epoch FROM journal_epoch")) {
        rs.next();
        assertEquals(3, rs.getLong(1));
      }
    }
  }
}
