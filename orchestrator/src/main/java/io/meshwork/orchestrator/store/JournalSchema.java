package io.meshwork.orchestrator.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A journal's tables as numbered versions, one statement each (append, never edit), and bringing a
 * journal's schema up to date. Each journal records its versions in a table of its own, so the job
 * and membership journals can share one PostgreSQL database, and neither collides with the {@code
 * schema_migrations} of the services that keep theirs there. Column types are the database's
 * ({@link JournalDatabase#ddl}).
 *
 * @param versions the table that records the versions applied
 * @param epochTable the table of the journal's fencing epoch ({@link EpochFence})
 * @param statements every version's statement, version 1 first
 */
record JournalSchema(String versions, String epochTable, List<String> statements) {
  /** The job journal, whose versions are in {@code schema_version} since its first file. */
  static final JournalSchema JOBS =
      withFence(
              "schema_version",
              "journal_epoch",
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
              // result_cid: its size is here, and its bytes are not (NULL for a job, empty for a
              // task,
              // whose result column is NOT NULL). NULL for a result kept inline.
              "ALTER TABLE jobs ADD COLUMN stored_result_size {int}",
              "ALTER TABLE tasks ADD COLUMN stored_result_size {int}")
          // Versions after the fence's: ListJobs lists a user's jobs newest first, and
          // everyone's for an operator.
          .then(
              "CREATE INDEX jobs_by_submitter ON jobs(submitter_did, submitted_at, job_id)",
              "CREATE INDEX jobs_by_submission ON jobs(submitted_at, job_id)")
          .then(
              // The anchored statement of a merkle job's result (docs/RECEIPTS.md): its CID, log
              // index and tlog-proof bundle, which carries the signed statement itself.
              """
              CREATE TABLE job_statements (
                job_id TEXT PRIMARY KEY,
                cid TEXT NOT NULL,
                log_index {int} NOT NULL,
                proof_bundle TEXT NOT NULL)
              """)
          .then(
              // The settlement outbox (jobs/PaymentOutbox): a journaled task's payment is owed
              // until its paid_at is set, and a job's hold is released once released_at is. What an
              // older orchestrator settled before this version counts as paid and released when
              // its job had ended (it paid right after journaling, and replayed on resume).
              "ALTER TABLE tasks ADD COLUMN paid_at {int}",
              "ALTER TABLE task_payments ADD COLUMN paid_at {int}",
              "ALTER TABLE jobs ADD COLUMN released_at {int}",
              "UPDATE tasks SET paid_at = 0 WHERE job_id IN (SELECT job_id FROM jobs"
                  + " WHERE state IN ('completed','failed','cancelled'))",
              "UPDATE task_payments SET paid_at = 0 WHERE task_id IN (SELECT task_id FROM tasks"
                  + " WHERE paid_at IS NOT NULL)",
              "UPDATE jobs SET released_at = finished_at"
                  + " WHERE state IN ('completed','failed','cancelled')",
              "CREATE INDEX jobs_unreleased ON jobs(submitted_at) WHERE released_at IS NULL",
              // A hold taken in place of one of the job's that expired while the job still owed;
              // hold_id is NULL until the ledger answered its creation.
              """
              CREATE TABLE replacement_holds (
                seq {serial},
                replaced_hold_id TEXT NOT NULL UNIQUE,
                job_id TEXT NOT NULL,
                amount {int} NOT NULL,
                hold_id TEXT)
              """)
          .then(
              // Tasks peers delegated here, accepted and not yet finished, and the parts of each
              // already settled: a restart resumes them without paying a part twice, or abandons
              // them (docs/ORCHESTRATOR.md, "When a sub-manager fails").
              """
              CREATE TABLE accepted_delegations (
                request_id TEXT PRIMARY KEY,
                delegator_did TEXT NOT NULL,
                reply_to TEXT NOT NULL,
                packet {bytes} NOT NULL,
                hold_id TEXT NOT NULL,
                deadline {int} NOT NULL,
                accepted_at {int} NOT NULL,
                cut TEXT)
              """,
              """
              CREATE TABLE delegation_parts (
                request_id TEXT NOT NULL,
                task_id TEXT NOT NULL,
                result {bytes} NOT NULL,
                result_cid TEXT NOT NULL,
                receipt_leaf {bytes} NOT NULL,
                paid {int} NOT NULL,
                PRIMARY KEY (request_id, task_id))
              """)
          .then(
              // What executors earned on the tasks of jobs that retention removed, so that the
              // sum of earnings survives it (ExpiredJobs).
              """
              CREATE TABLE forgotten_earnings (
                executor_did TEXT PRIMARY KEY,
                amount {int} NOT NULL)
              """);

  /** The membership journal: each member's row, its history of states, and the join tokens. */
  static final JournalSchema MEMBERSHIP =
      withFence(
          "membership_schema_version",
          "membership_epoch",
          """
          CREATE TABLE members (
            did TEXT PRIMARY KEY,
            endpoint TEXT NOT NULL,
            source TEXT NOT NULL,
            state TEXT NOT NULL,
            engine_version TEXT NOT NULL,
            cpu_cores {int} NOT NULL,
            ram_mb {int} NOT NULL,
            task_slots {int} NOT NULL,
            joined_at {int} NOT NULL,
            last_heartbeat_at {int} NOT NULL,
            left_at {int} NOT NULL)
          """,
          """
          CREATE TABLE member_events (
            seq {serial},
            did TEXT NOT NULL,
            at {int} NOT NULL,
            from_state TEXT,
            to_state TEXT NOT NULL,
            reason TEXT NOT NULL)
          """,
          "CREATE INDEX member_events_by_did ON member_events(did, seq)",
          """
          CREATE TABLE join_tokens (
            id TEXT PRIMARY KEY,
            secret_hash {bytes} NOT NULL,
            created_at {int} NOT NULL,
            expires_at {int} NOT NULL,
            uses {int} NOT NULL,
            uses_left {int} NOT NULL,
            description TEXT NOT NULL,
            created_by TEXT NOT NULL)
          """);

  /** This schema with {@code more} versions after its last. */
  private JournalSchema then(String... more) {
    List<String> all = new ArrayList<>(statements);
    all.addAll(List.of(more));
    return new JournalSchema(versions, epochTable, List.copyOf(all));
  }

  private static JournalSchema withFence(String versions, String epochTable, String... statements) {
    List<String> all = new ArrayList<>(List.of(statements));
    all.addAll(EpochFence.schema(epochTable));
    return new JournalSchema(versions, epochTable, List.copyOf(all));
  }

  /** Runs the versions the journal has not seen yet, all in one transaction. */
  void migrate(JournalDatabase database, Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + versions + " (version INTEGER NOT NULL)");
    }
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      int version = applied(c);
      if (version > statements.size()) {
        // A newer orchestrator's journal: this one would misread what it does not know.
        throw new SQLException(
            "the journal has schema version "
                + version
                + " but this orchestrator knows only up to "
                + statements.size()
                + "; run a newer orchestrator");
      }
      for (int i = version; i < statements.size(); i++) {
        s.execute(database.ddl(statements.get(i)));
        s.execute("INSERT INTO " + versions + " (version) VALUES (" + (i + 1) + ")");
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private int applied(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM " + versions)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
