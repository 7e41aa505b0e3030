package io.meshwork.orchestrator.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The job journal's tables, and bringing a journal's schema up to date: numbered versions recorded
 * in {@code schema_version}, as since the first journal. (The membership journal records its own in
 * {@code schema_migrations}, so the two can share one PostgreSQL database.)
 */
final class JobJournalSchema {
  /** The table of the journal's fencing epoch ({@link EpochFence}). */
  static final String EPOCH_TABLE = "journal_epoch";

  /**
   * The schema, one statement per version ({@code schema_version}); append, never edit. Column
   * types are the database's ({@link JournalDatabase#ddl}).
   */
  private static final List<String> MIGRATIONS =
      withFence(
          """
          CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY,
            submitter_did TEXT NOT NULL,
            state TEXT NOT NULL,
            manifest {bytes} NOT NULL,
            manifest_digest {bytes} NOT NULL,
            hold_id TEXT,
            budget {int} NOT NULL,
            spent {int} NOT NULL,
            refunded {int} NOT NULL,
            total_chunks {int} NOT NULL,
            completed_chunks {int} NOT NULL,
            error_message TEXT,
            result {bytes},
            result_cid TEXT,
            submitted_at {int} NOT NULL,
            finished_at {int} NOT NULL)
          """,
          "CREATE INDEX jobs_unfinished ON jobs(state, submitted_at)",
          """
          CREATE TABLE tasks (
            task_id TEXT PRIMARY KEY,
            job_id TEXT NOT NULL,
            chunk_index {int} NOT NULL,
            export_name TEXT NOT NULL,
            executor_did TEXT NOT NULL,
            price {int} NOT NULL,
            result {bytes} NOT NULL,
            result_cid TEXT NOT NULL,
            receipt_cid TEXT NOT NULL,
            log_index {int} NOT NULL)
          """,
          "CREATE INDEX tasks_by_job ON tasks(job_id, chunk_index)",
          """
          CREATE TABLE task_payments (
            task_id TEXT NOT NULL,
            executor_did TEXT NOT NULL,
            price {int} NOT NULL,
            receipt_cid TEXT NOT NULL,
            log_index {int} NOT NULL,
            PRIMARY KEY (task_id, executor_did))
          """,
          """
          CREATE TABLE placements (
            job_id TEXT NOT NULL,
            seq {serial},
            placement {bytes} NOT NULL)
          """,
          "CREATE INDEX placements_by_job ON placements(job_id, seq)",
          "CREATE TABLE job_chunking (job_id TEXT PRIMARY KEY, chunk_bytes {int} NOT NULL)",
          """
          CREATE TABLE executors (
            did TEXT PRIMARY KEY,
            verified {int} NOT NULL,
            caught {int} NOT NULL,
            failed {int} NOT NULL,
            updated_at {int} NOT NULL)
          """,
          "CREATE TABLE job_inputs (job_id TEXT PRIMARY KEY, blob_cid TEXT NOT NULL)",
          // A result larger than orchestrator.inline-result-bytes is in the blob store under
          // result_cid: its size is here, and its bytes are not (NULL for a job, empty for a task,
          // whose result column is NOT NULL). NULL for a result kept inline.
          "ALTER TABLE jobs ADD COLUMN stored_result_size {int}",
          "ALTER TABLE tasks ADD COLUMN stored_result_size {int}");

  private static List<String> withFence(String... statements) {
    List<String> all = new ArrayList<>(List.of(statements));
    all.addAll(EpochFence.schema(EPOCH_TABLE));
    return List.copyOf(all);
  }

  /** Runs the versions the journal has not seen yet, all in one transaction. */
  static void migrate(JournalDatabase database, Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    }
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      int version;
      try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
        rs.next();
        version = rs.getInt(1);
      }
      if (version > MIGRATIONS.size()) {
        // A newer orchestrator's journal: this one would misread what it does not know.
        throw new SQLException(
            "the journal has schema version "
                + version
                + " but this orchestrator knows only up to "
                + MIGRATIONS.size()
                + "; run a newer orchestrator");
      }
      for (int i = version; i < MIGRATIONS.size(); i++) {
        s.execute(database.ddl(MIGRATIONS.get(i)));
        s.execute("INSERT INTO schema_version VALUES (" + (i + 1) + ")");
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private JobJournalSchema() {}
}
