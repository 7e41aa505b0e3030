package io.meshwork.orchestrator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.orchestrator.jobs.DelegationJournal;
import io.meshwork.orchestrator.jobs.JobListing;
import io.meshwork.orchestrator.jobs.JobRecord;
import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.jobs.ReceiptLog;
import io.meshwork.orchestrator.jobs.SettlementJournal;
import io.meshwork.orchestrator.jobs.TaskRecord;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.trust.ExecutorRecord;
import io.meshwork.orchestrator.wire.JobMessages;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.runtime.sql.ReconnectingConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The job journal in a SQL database: a SQLite file (WAL, synchronous commits), or a PostgreSQL
 * database that orchestrator replicas share ({@link JournalDatabase}); the queries are the same on
 * both.
 *
 * <p>Writes are group-committed ({@link GroupCommitter}): a write returns only once its commit is
 * durable, while many tasks settling at once cost one sync instead of one each. Reads use a
 * connection of their own and see every write that has returned. Every group of writes is fenced
 * ({@link EpochFence}, table {@code journal_epoch}).
 *
 * <p>Manifests and placements are stored as their protobuf encodings, the contract's own stable
 * format.
 */
public final class SqlJobStore implements JobStore {
  // What was submitted, written once; and the progress and outcome, which updates rewrite.
  private static final String SUBMITTED_COLUMNS =
      "job_id, submitter_did, manifest, manifest_digest, budget, submitted_at";
  private static final String PROGRESS_COLUMNS =
      "state, hold_id, spent, refunded, total_chunks, completed_chunks, error_message, result,"
          + " result_cid, finished_at, stored_result_size";
  private static final String JOB_COLUMNS = SUBMITTED_COLUMNS + ", " + PROGRESS_COLUMNS;
  private static final String TASK_COLUMNS =
      "task_id, job_id, chunk_index, export_name, executor_did, price, result, result_cid,"
          + " receipt_cid, log_index, stored_result_size";

  private final JournalDatabase database;
  private final EpochFence fence = new EpochFence(JournalSchema.JOBS.epochTable());
  // Reads and fencing, under the reader's own lock.
  private final ReconnectingConnection reader;
  private final GroupCommitter writer;
  private final SqlDelegationJournal delegations =
      new SqlDelegationJournal(this::write, this::onReader);
  private final SettlementRows settlement = new SettlementRows(this::write, this::onReader);

  /** Opens (creating and migrating) the job journal in {@code database}. */
  public SqlJobStore(JournalDatabase database) {
    this.database = database;
    ReconnectingConnection committing = null;
    try {
      try (Connection c = database.connect()) {
        database.migrate(c, m -> JournalSchema.JOBS.migrate(database, m));
      }
      committing = ReconnectingConnection.open(database::connect, false, "the journal");
      reader = ReconnectingConnection.open(database::connect, true, "the journal");
    } catch (SQLException e) {
      if (committing != null) {
        committing.close();
      }
      throw new IllegalStateException(
          "cannot open the job journal " + database + ": " + e.getMessage(), e);
    }
    writer = new GroupCommitter(committing, fence::check, "job-journal-commit");
  }

  /**
   * A read on the reader's connection, in auto-commit mode; tried once more on a new connection if
   * the first one turned out broken.
   */
  private <T> T onReader(String what, ReconnectingConnection.Work<T> work) {
    synchronized (reader) {
      try {
        return reader.read(work);
      } catch (SQLException e) {
        throw failed(what, e);
      }
    }
  }

  private <T> T write(String what, GroupCommitter.Write<T> write) {
    return writer.write("cannot " + what + ": the job journal " + database, write);
  }

  private IllegalStateException failed(String what, Exception e) {
    return new IllegalStateException(
        "cannot " + what + ": the job journal " + database + ": " + e.getMessage(), e);
  }

  @Override
  public DelegationJournal delegations() {
    return delegations;
  }

  @Override
  public void fence(long epoch) {
    // On the reader's connection: the committer's runs every group under the fence's check. Not
    // through onReader: a raise is a write, and its failure is the caller's to see.
    synchronized (reader) {
      try {
        reader.use(c -> fence.raise(c, epoch));
      } catch (SQLException e) {
        throw failed("fence at epoch " + epoch, e);
      }
    }
  }

  @Override
  public boolean insert(JobRecord j) {
    byte[] manifest = JobMessages.manifest(j.manifest()).toByteArray();
    String sql =
        "INSERT INTO jobs ("
            + JOB_COLUMNS
            + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING";
    List<Object> values =
        new ArrayList<>(
            List.of(
                j.jobId(),
                j.submitterDid(),
                manifest,
                j.manifestDigest(),
                j.budget(),
                j.submittedAt()));
    values.addAll(progress(j));
    return write("record job " + j.jobId(), c -> Rows.update(c, sql, values.toArray()) == 1);
  }

  @Override
  public void update(JobRecord j) {
    String sql = "UPDATE jobs SET " + PROGRESS_COLUMNS.replace(",", "=?,") + "=? WHERE job_id=?";
    List<Object> values = new ArrayList<>(progress(j));
    values.add(j.jobId());
    write("update job " + j.jobId(), c -> Rows.update(c, sql, values.toArray()));
  }

  /** A job's values of {@link #PROGRESS_COLUMNS}, in order; nulls where a value is absent. */
  private static List<Object> progress(JobRecord j) {
    return Arrays.asList(
        j.state().wireName(),
        j.holdId(),
        j.spent(),
        j.refunded(),
        j.totalChunks(),
        j.completedChunks(),
        j.errorMessage(),
        j.result(),
        j.resultCid(),
        j.finishedAt(),
        storedSize(j.resultStored(), j.resultSize()));
  }

  @Override
  public Optional<JobRecord> find(String jobId) {
    return onReader(
        "read job " + jobId,
        c ->
            Rows.first(
                c, "SELECT " + JOB_COLUMNS + " FROM jobs WHERE job_id=?", SqlJobStore::job, jobId));
  }

  @Override
  public List<JobListing> list(
      Optional<String> submitterDid, Optional<JobListing.Position> after, int limit) {
    // Only the columns a listing shows: a manifest may hold a large inline input.
    StringBuilder sql =
        new StringBuilder(
            "SELECT job_id, submitter_did, state, budget, spent, refunded, total_chunks,"
                + " completed_chunks, error_message, submitted_at, finished_at FROM jobs WHERE 1=1");
    List<Object> values = new ArrayList<>();
    submitterDid.ifPresent(
        did -> {
          sql.append(" AND submitter_did=?");
          values.add(did);
        });
    after.ifPresent(
        p -> {
          sql.append(" AND (submitted_at<? OR (submitted_at=? AND job_id<?))");
          values.addAll(List.of(p.submittedAt(), p.submittedAt(), p.jobId()));
        });
    sql.append(" ORDER BY submitted_at DESC, job_id DESC LIMIT ?");
    values.add(limit);
    return onReader(
        "list jobs",
        c ->
            Rows.list(
                c,
                sql.toString(),
                rs ->
                    new JobListing(
                        rs.getString("job_id"),
                        rs.getString("submitter_did"),
                        JobState.fromWire(rs.getString("state")),
                        rs.getLong("budget"),
                        rs.getLong("spent"),
                        rs.getLong("refunded"),
                        rs.getInt("total_chunks"),
                        rs.getInt("completed_chunks"),
                        rs.getString("error_message") == null ? "" : rs.getString("error_message"),
                        rs.getLong("submitted_at"),
                        rs.getLong("finished_at")),
                values.toArray()));
  }

  @Override
  public Map<String, Long> earnings() {
    String sql =
        "SELECT executor_did, SUM(price) FROM (SELECT executor_did, price FROM tasks"
            + " UNION ALL SELECT executor_did, price FROM task_payments"
            + " UNION ALL SELECT executor_did, amount FROM forgotten_earnings) paid"
            + " GROUP BY executor_did ORDER BY executor_did";
    return onReader(
        "sum the executors' earnings",
        c -> {
          Map<String, Long> earned = new LinkedHashMap<>();
          for (Map.Entry<String, Long> e :
              Rows.list(c, sql, rs -> Map.entry(rs.getString(1), rs.getLong(2)))) {
            earned.put(e.getKey(), e.getValue());
          }
          return earned;
        });
  }

  @Override
  public List<String> finishedBefore(long finishedBefore, int limit) {
    return onReader(
        "list the jobs that finished before " + finishedBefore,
        c -> ExpiredJobs.finishedBefore(c, finishedBefore, limit));
  }

  @Override
  public int forget(List<String> jobIds) {
    return write("forget " + jobIds.size() + " expired jobs", c -> ExpiredJobs.forget(c, jobIds));
  }

  @Override
  public void compact() {
    try (Connection c = database.connect()) {
      database.reclaim(c, ExpiredJobs.TABLES);
    } catch (SQLException e) {
      throw failed("compact", e);
    }
  }

  @Override
  public List<JobRecord> unfinished() {
    String sql =
        "SELECT "
            + JOB_COLUMNS
            + " FROM jobs WHERE state NOT IN ('completed','failed','cancelled')"
            + " ORDER BY submitted_at";
    return onReader("list unfinished jobs", c -> Rows.list(c, sql, SqlJobStore::job));
  }

  private static JobRecord job(ResultSet rs) throws SQLException {
    String jobId = rs.getString("job_id");
    byte[] digest = rs.getBytes("manifest_digest");
    ComputeJobManifest manifest;
    try {
      manifest = ComputeJobManifest.parseFrom(rs.getBytes("manifest"));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the journal holds an unreadable manifest for " + jobId, e);
    }
    long storedSize = rs.getLong("stored_result_size");
    boolean stored = !rs.wasNull();
    byte[] result = rs.getBytes("result");
    return new JobRecord(
        jobId,
        rs.getString("submitter_did"),
        JobState.fromWire(rs.getString("state")),
        JobMessages.manifest(manifest, digest),
        digest,
        rs.getString("hold_id"),
        rs.getLong("budget"),
        rs.getLong("spent"),
        rs.getLong("refunded"),
        rs.getInt("total_chunks"),
        rs.getInt("completed_chunks"),
        rs.getString("error_message"),
        stored ? null : result,
        rs.getString("result_cid"),
        rs.getLong("submitted_at"),
        rs.getLong("finished_at"),
        stored ? storedSize : result == null ? 0 : result.length,
        stored);
  }

  /** The size of a result kept in the blob store; null for one kept inline. */
  private static Long storedSize(boolean stored, long size) {
    return stored ? size : null;
  }

  @Override
  public void saveTask(TaskRecord t) {
    boolean stored = t.result() == null;
    write(
        "record task " + t.taskId(),
        c -> {
          for (TaskRecord.Payment p : t.alsoPaid()) {
            Rows.update(
                c,
                "INSERT INTO task_payments (task_id, executor_did, price, receipt_cid, log_index)"
                    + " VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                t.taskId(),
                p.executorDid(),
                p.price(),
                p.receiptCid(),
                p.logIndex());
          }
          return Rows.update(
              c,
              "INSERT INTO tasks ("
                  + TASK_COLUMNS
                  + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                  + " ON CONFLICT DO NOTHING",
              t.taskId(),
              t.jobId(),
              t.chunkIndex(),
              t.exportName(),
              t.executorDid(),
              t.price(),
              stored ? new byte[0] : t.result(),
              t.resultCid(),
              t.receiptCid(),
              t.logIndex(),
              storedSize(stored, t.resultSize()));
        });
  }

  @Override
  public List<TaskRecord> tasks(String jobId) {
    String sql =
        "SELECT "
            + TASK_COLUMNS
            + " FROM tasks WHERE job_id=? ORDER BY export_name='merge', chunk_index";
    return onReader(
        "read the tasks of job " + jobId,
        c -> {
          List<TaskRecord> withPayments = new ArrayList<>();
          for (TaskRecord t : Rows.list(c, sql, SqlJobStore::task, jobId)) {
            withPayments.add(
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
                    alsoPaid(c, t.taskId()),
                    t.resultSize()));
          }
          return withPayments;
        });
  }

  /** A task's row, without the other executors it paid. */
  private static TaskRecord task(ResultSet rs) throws SQLException {
    long storedSize = rs.getLong("stored_result_size");
    boolean stored = !rs.wasNull();
    byte[] result = rs.getBytes("result");
    return new TaskRecord(
        rs.getString("task_id"),
        rs.getString("job_id"),
        rs.getInt("chunk_index"),
        rs.getString("export_name"),
        rs.getString("executor_did"),
        rs.getLong("price"),
        stored ? null : result,
        rs.getString("result_cid"),
        rs.getString("receipt_cid"),
        rs.getLong("log_index"),
        List.of(),
        stored ? storedSize : result.length);
  }

  private static List<TaskRecord.Payment> alsoPaid(Connection c, String taskId)
      throws SQLException {
    return Rows.list(
        c,
        "SELECT executor_did, price, receipt_cid, log_index FROM task_payments WHERE task_id=?"
            + " ORDER BY log_index",
        rs ->
            new TaskRecord.Payment(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4)),
        taskId);
  }

  @Override
  public long fixChunkSize(String jobId, long chunkBytes) {
    return write(
        "record the chunking of job " + jobId,
        c -> ((Number) fixOnce(c, "job_chunking", "chunk_bytes", jobId, chunkBytes)).longValue());
  }

  @Override
  public String fixFetchedInput(String jobId, String blobCid) {
    return write(
        "record the fetched input of job " + jobId,
        c -> (String) fixOnce(c, "job_inputs", "blob_cid", jobId, blobCid));
  }

  /** Records a job's once-only {@code column} in {@code table} unless it is there; returns it. */
  private static Object fixOnce(
      Connection c, String table, String column, String jobId, Object value) throws SQLException {
    Rows.update(
        c,
        "INSERT INTO " + table + " (job_id, " + column + ") VALUES (?,?) ON CONFLICT DO NOTHING",
        jobId,
        value);
    return Rows.first(
            c,
            "SELECT " + column + " FROM " + table + " WHERE job_id=?",
            rs -> rs.getObject(1),
            jobId)
        .orElseThrow();
  }

  @Override
  public Optional<String> fetchedInput(String jobId) {
    return onReader(
        "read the fetched input of job " + jobId,
        c ->
            Rows.first(
                c, "SELECT blob_cid FROM job_inputs WHERE job_id=?", rs -> rs.getString(1), jobId));
  }

  @Override
  public void saveStatement(String jobId, ReceiptLog.AnchoredStatement statement) {
    write(
        "record the statement of job " + jobId,
        c ->
            Rows.update(
                c,
                "INSERT INTO job_statements (job_id, cid, log_index, proof_bundle) VALUES (?,?,?,?)"
                    + " ON CONFLICT DO NOTHING",
                jobId,
                statement.cid(),
                statement.logIndex(),
                statement.proofBundle()));
  }

  @Override
  public Optional<ReceiptLog.AnchoredStatement> statement(String jobId) {
    return onReader(
        "read the statement of job " + jobId,
        c ->
            Rows.first(
                c,
                "SELECT cid, log_index, proof_bundle FROM job_statements WHERE job_id=?",
                rs ->
                    new ReceiptLog.AnchoredStatement(
                        rs.getString(1), rs.getLong(2), rs.getString(3)),
                jobId));
  }

  @Override
  public void savePlacement(String jobId, Placement placement) {
    byte[] encoded = TaskMessages.placement(placement).toByteArray();
    write(
        "record a placement of job " + jobId,
        c ->
            Rows.update(
                c, "INSERT INTO placements (job_id, placement) VALUES (?,?)", jobId, encoded));
  }

  @Override
  public List<Placement> placements(String jobId) {
    return onReader(
        "read the placements of job " + jobId,
        c ->
            Rows.list(
                c,
                "SELECT placement FROM placements WHERE job_id=? ORDER BY seq",
                SqlJobStore::placement,
                jobId));
  }

  private static Placement placement(ResultSet rs) throws SQLException {
    try {
      return TaskMessages.placement(TaskPlacement.parseFrom(rs.getBytes(1)));
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("the journal holds an unreadable placement", e);
    }
  }

  @Override
  public ExecutorRecord executor(String did) {
    return onReader(
        "read the record of executor " + did,
        c ->
            Rows.first(
                    c,
                    "SELECT verified, caught, failed, updated_at FROM executors WHERE did=?",
                    rs ->
                        new ExecutorRecord(
                            did, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)),
                    did)
                .orElse(ExecutorRecord.unknown(did)));
  }

  @Override
  public void saveExecutor(ExecutorRecord r) {
    write(
        "record executor " + r.did(),
        c ->
            Rows.update(
                c,
                "INSERT INTO executors (did, verified, caught, failed, updated_at)"
                    + " VALUES (?,?,?,?,?) ON CONFLICT (did) DO UPDATE SET"
                    + " verified = excluded.verified, caught = excluded.caught,"
                    + " failed = excluded.failed, updated_at = excluded.updated_at",
                r.did(),
                r.verified(),
                r.caught(),
                r.failed(),
                r.updatedAt()));
  }

  // The settlement outbox's marks, through this journal's reader and group commits.

  @Override
  public List<SettlementJournal.Owed> unpaid(String jobId) {
    return settlement.unpaid(jobId);
  }

  @Override
  public void markPaid(SettlementJournal.Owed owed) {
    settlement.markPaid(owed);
  }

  @Override
  public List<String> unreleased() {
    return settlement.unreleased();
  }

  @Override
  public void markReleased(String jobId, long refunded) {
    settlement.markReleased(jobId, refunded);
  }

  @Override
  public SettlementJournal.ReplacementHold replaceHold(
      String jobId, String replacedHoldId, long amount) {
    return settlement.replaceHold(jobId, replacedHoldId, amount);
  }

  @Override
  public void replacementCreated(String replacedHoldId, String holdId) {
    settlement.replacementCreated(replacedHoldId, holdId);
  }

  @Override
  public List<SettlementJournal.ReplacementHold> replacementHolds(String jobId) {
    return settlement.replacementHolds(jobId);
  }

  /** Commits what is queued, stops the committer and closes the connections. */
  @Override
  public void close() {
    writer.close();
    synchronized (reader) {
      reader.close();
    }
  }

  @Override
  public String toString() {
    return "SqlJobStore[" + database + "]";
  }
}
