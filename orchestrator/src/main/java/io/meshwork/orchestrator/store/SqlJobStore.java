package io.meshwork.orchestrator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.orchestrator.jobs.JobRecord;
import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.jobs.TaskRecord;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.trust.ExecutorRecord;
import io.meshwork.orchestrator.wire.JobMessages;
import io.meshwork.orchestrator.wire.TaskMessages;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
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
  private static final String JOB_COLUMNS =
      "job_id, submitter_did, state, manifest, manifest_digest, hold_id, budget, spent, refunded,"
          + " total_chunks, completed_chunks, error_message, result, result_cid, submitted_at,"
          + " finished_at, stored_result_size";
  private static final String TASK_COLUMNS =
      "task_id, job_id, chunk_index, export_name, executor_did, price, result, result_cid,"
          + " receipt_cid, log_index, stored_result_size";

  private final JournalDatabase database;
  private final EpochFence fence = new EpochFence(JournalSchema.JOBS.epochTable());
  // Reads and fencing, under the reader's own lock.
  private final JournalConnection reader;
  private final GroupCommitter writer;

  /** Opens (creating and migrating) the job journal in {@code database}. */
  public SqlJobStore(JournalDatabase database) {
    this.database = database;
    JournalConnection committing = null;
    try {
      try (Connection c = database.connect()) {
        database.migrate(c, m -> JournalSchema.JOBS.migrate(database, m));
      }
      committing = new JournalConnection(database, false);
      reader = new JournalConnection(database, true);
    } catch (SQLException e) {
      if (committing != null) {
        committing.close();
      }
      throw new IllegalStateException(
          "cannot open the job journal " + database + ": " + e.getMessage(), e);
    }
    writer = new GroupCommitter(committing, fence::check, "job-journal-commit");
  }

  /** A read on the reader's connection. */
  private interface Read<T> {
    T run(Connection c) throws SQLException, InvalidProtocolBufferException;
  }

  private <T> T read(String what, Read<T> read) {
    synchronized (reader) {
      try {
        return read.run(reader.get());
      } catch (SQLException e) {
        reader.recover();
        throw failed(what, e);
      } catch (InvalidProtocolBufferException e) {
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
  public void fence(long epoch) {
    synchronized (reader) {
      try {
        fence.raise(reader.get(), epoch);
      } catch (SQLException e) {
        reader.recover();
        throw failed("fence at epoch " + epoch, e);
      }
    }
  }

  @Override
  public boolean insert(JobRecord j) {
    byte[] manifest = JobMessages.manifest(j.manifest()).toByteArray();
    return write(
        "record job " + j.jobId(),
        c -> {
          String sql =
              "INSERT INTO jobs ("
                  + JOB_COLUMNS
                  + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, j.jobId());
            ps.setString(2, j.submitterDid());
            ps.setString(3, j.state().wireName());
            ps.setBytes(4, manifest);
            ps.setBytes(5, j.manifestDigest());
            ps.setString(6, j.holdId());
            ps.setLong(7, j.budget());
            ps.setLong(8, j.spent());
            ps.setLong(9, j.refunded());
            ps.setInt(10, j.totalChunks());
            ps.setInt(11, j.completedChunks());
            ps.setString(12, j.errorMessage());
            ps.setBytes(13, j.result());
            ps.setString(14, j.resultCid());
            ps.setLong(15, j.submittedAt());
            ps.setLong(16, j.finishedAt());
            setStoredSize(ps, 17, j.resultStored(), j.resultSize());
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public void update(JobRecord j) {
    write(
        "update job " + j.jobId(),
        c -> {
          String sql =
              "UPDATE jobs SET state=?, hold_id=?, spent=?, refunded=?, total_chunks=?,"
                  + " completed_chunks=?, error_message=?, result=?, result_cid=?, finished_at=?,"
                  + " stored_result_size=? WHERE job_id=?";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, j.state().wireName());
            ps.setString(2, j.holdId());
            ps.setLong(3, j.spent());
            ps.setLong(4, j.refunded());
            ps.setInt(5, j.totalChunks());
            ps.setInt(6, j.completedChunks());
            ps.setString(7, j.errorMessage());
            ps.setBytes(8, j.result());
            ps.setString(9, j.resultCid());
            ps.setLong(10, j.finishedAt());
            setStoredSize(ps, 11, j.resultStored(), j.resultSize());
            ps.setString(12, j.jobId());
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public Optional<JobRecord> find(String jobId) {
    return read(
        "read job " + jobId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT " + JOB_COLUMNS + " FROM jobs WHERE job_id=?")) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(job(rs)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public List<JobRecord> unfinished() {
    String sql =
        "SELECT "
            + JOB_COLUMNS
            + " FROM jobs WHERE state NOT IN ('completed','failed','cancelled')"
            + " ORDER BY submitted_at";
    return read(
        "list unfinished jobs",
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery(sql)) {
            List<JobRecord> jobs = new ArrayList<>();
            while (rs.next()) {
              jobs.add(job(rs));
            }
            return jobs;
          }
        });
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

  private static void setStoredSize(PreparedStatement ps, int index, boolean stored, long size)
      throws SQLException {
    if (stored) {
      ps.setLong(index, size);
    } else {
      ps.setNull(index, Types.BIGINT);
    }
  }

  @Override
  public void saveTask(TaskRecord t) {
    write(
        "record task " + t.taskId(),
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "INSERT INTO tasks ("
                          + TASK_COLUMNS
                          + ") VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
              PreparedStatement pay =
                  c.prepareStatement(
                      "INSERT INTO task_payments (task_id, executor_did, price, receipt_cid,"
                          + " log_index) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            for (TaskRecord.Payment p : t.alsoPaid()) {
              pay.setString(1, t.taskId());
              pay.setString(2, p.executorDid());
              pay.setLong(3, p.price());
              pay.setString(4, p.receiptCid());
              pay.setLong(5, p.logIndex());
              pay.executeUpdate();
            }
            ps.setString(1, t.taskId());
            ps.setString(2, t.jobId());
            ps.setInt(3, t.chunkIndex());
            ps.setString(4, t.exportName());
            ps.setString(5, t.executorDid());
            ps.setLong(6, t.price());
            boolean stored = t.result() == null;
            ps.setBytes(7, stored ? new byte[0] : t.result());
            ps.setString(8, t.resultCid());
            ps.setString(9, t.receiptCid());
            ps.setLong(10, t.logIndex());
            setStoredSize(ps, 11, stored, t.resultSize());
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public List<TaskRecord> tasks(String jobId) {
    String sql =
        "SELECT "
            + TASK_COLUMNS
            + " FROM tasks WHERE job_id=? ORDER BY export_name='merge', chunk_index";
    return read(
        "read the tasks of job " + jobId,
        c -> {
          List<TaskRecord> tasks = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                tasks.add(task(rs));
              }
            }
          }
          List<TaskRecord> withPayments = new ArrayList<>(tasks.size());
          for (TaskRecord t : tasks) {
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
    String sql =
        "SELECT executor_did, price, receipt_cid, log_index FROM task_payments WHERE task_id=?"
            + " ORDER BY log_index";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, taskId);
      try (ResultSet rs = ps.executeQuery()) {
        List<TaskRecord.Payment> payments = new ArrayList<>();
        while (rs.next()) {
          payments.add(
              new TaskRecord.Payment(
                  rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4)));
        }
        return payments;
      }
    }
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
    try (PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO "
                    + table
                    + " (job_id, "
                    + column
                    + ") VALUES (?,?) ON CONFLICT DO NOTHING");
        PreparedStatement read =
            c.prepareStatement("SELECT " + column + " FROM " + table + " WHERE job_id=?")) {
      insert.setString(1, jobId);
      insert.setObject(2, value);
      insert.executeUpdate();
      read.setString(1, jobId);
      try (ResultSet rs = read.executeQuery()) {
        rs.next();
        return rs.getObject(1);
      }
    }
  }

  @Override
  public Optional<String> fetchedInput(String jobId) {
    return read(
        "read the fetched input of job " + jobId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT blob_cid FROM job_inputs WHERE job_id=?")) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public void savePlacement(String jobId, Placement placement) {
    byte[] encoded = TaskMessages.placement(placement).toByteArray();
    write(
        "record a placement of job " + jobId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO placements (job_id, placement) VALUES (?,?)")) {
            ps.setString(1, jobId);
            ps.setBytes(2, encoded);
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public List<Placement> placements(String jobId) {
    return read(
        "read the placements of job " + jobId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT placement FROM placements WHERE job_id=? ORDER BY seq")) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
              List<Placement> all = new ArrayList<>();
              while (rs.next()) {
                all.add(TaskMessages.placement(TaskPlacement.parseFrom(rs.getBytes(1))));
              }
              return all;
            }
          }
        });
  }

  @Override
  public ExecutorRecord executor(String did) {
    return read(
        "read the record of executor " + did,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT verified, caught, failed, updated_at FROM executors WHERE did=?")) {
            ps.setString(1, did);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? new ExecutorRecord(
                      did, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))
                  : ExecutorRecord.unknown(did);
            }
          }
        });
  }

  @Override
  public void saveExecutor(ExecutorRecord r) {
    write(
        "record executor " + r.did(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO executors (did, verified, caught, failed, updated_at)"
                      + " VALUES (?,?,?,?,?) ON CONFLICT (did) DO UPDATE SET"
                      + " verified = excluded.verified, caught = excluded.caught,"
                      + " failed = excluded.failed, updated_at = excluded.updated_at")) {
            ps.setString(1, r.did());
            ps.setLong(2, r.verified());
            ps.setLong(3, r.caught());
            ps.setLong(4, r.failed());
            ps.setLong(5, r.updatedAt());
            return ps.executeUpdate();
          }
        });
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
