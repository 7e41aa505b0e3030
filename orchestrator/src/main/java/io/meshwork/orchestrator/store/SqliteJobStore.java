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
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The job journal in a SQLite file (WAL, synchronous commits).
 *
 * <p>Writes are group-committed ({@link GroupCommitter}): a write returns only once its commit is
 * on disk, while many tasks settling at once cost one sync instead of one each. Reads use a
 * connection of their own and see every write that has returned.
 *
 * <p>Manifests and placements are stored as their protobuf encodings, the contract's own stable
 * format.
 */
public final class SqliteJobStore implements JobStore {
  private static final String[] MIGRATIONS = {
    """
    CREATE TABLE jobs (
      job_id TEXT PRIMARY KEY,
      submitter_did TEXT NOT NULL,
      state TEXT NOT NULL,
      manifest BLOB NOT NULL,
      manifest_digest BLOB NOT NULL,
      hold_id TEXT,
      budget INTEGER NOT NULL,
      spent INTEGER NOT NULL,
      refunded INTEGER NOT NULL,
      total_chunks INTEGER NOT NULL,
      completed_chunks INTEGER NOT NULL,
      error_message TEXT,
      result BLOB,
      result_cid TEXT,
      submitted_at INTEGER NOT NULL,
      finished_at INTEGER NOT NULL)
    """,
    "CREATE INDEX jobs_unfinished ON jobs(state, submitted_at)",
    """
    CREATE TABLE tasks (
      task_id TEXT PRIMARY KEY,
      job_id TEXT NOT NULL,
      chunk_index INTEGER NOT NULL,
      export_name TEXT NOT NULL,
      executor_did TEXT NOT NULL,
      price INTEGER NOT NULL,
      result BLOB NOT NULL,
      result_cid TEXT NOT NULL,
      receipt_cid TEXT NOT NULL,
      log_index INTEGER NOT NULL)
    """,
    "CREATE INDEX tasks_by_job ON tasks(job_id, chunk_index)",
    """
    CREATE TABLE task_payments (
      task_id TEXT NOT NULL,
      executor_did TEXT NOT NULL,
      price INTEGER NOT NULL,
      receipt_cid TEXT NOT NULL,
      log_index INTEGER NOT NULL,
      PRIMARY KEY (task_id, executor_did))
    """,
    """
    CREATE TABLE placements (
      job_id TEXT NOT NULL,
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      placement BLOB NOT NULL)
    """,
    "CREATE INDEX placements_by_job ON placements(job_id, seq)",
    "CREATE TABLE job_chunking (job_id TEXT PRIMARY KEY, chunk_bytes INTEGER NOT NULL)",
    """
    CREATE TABLE executors (
      did TEXT PRIMARY KEY,
      verified INTEGER NOT NULL,
      caught INTEGER NOT NULL,
      failed INTEGER NOT NULL,
      updated_at INTEGER NOT NULL)
    """,
    "CREATE TABLE job_inputs (job_id TEXT PRIMARY KEY, blob_cid TEXT NOT NULL)",
    // A result larger than orchestrator.inline-result-bytes is in the blob store under result_cid:
    // its size is here, and its bytes are not (NULL for a job, empty for a task, whose result
    // column is NOT NULL). NULL for a result kept inline.
    "ALTER TABLE jobs ADD COLUMN stored_result_size INTEGER",
    "ALTER TABLE tasks ADD COLUMN stored_result_size INTEGER"
  };

  private final Path file;
  // Reads, under the reader's own lock.
  private final Connection reader;
  private final GroupCommitter writer;

  /** Opens (creating and migrating) the journal at {@code file}. */
  public SqliteJobStore(Path file) {
    this.file = file;
    Connection connection;
    try {
      connection = open(file);
      try (Statement s = connection.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      }
      migrate(connection);
      connection.setAutoCommit(false);
      reader = open(file);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot open the job journal " + file + ": " + e.getMessage(), e);
    }
    writer = new GroupCommitter(connection, "job-journal-commit");
  }

  private static Connection open(Path file) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
    }
    return c;
  }

  private <T> T write(String what, GroupCommitter.Write<T> write) {
    return writer.write("cannot " + what + ": the job journal " + file, write);
  }

  private static void migrate(Connection connection) throws SQLException {
    int version = 0;
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
      if (rs.next()) {
        version = rs.getInt(1);
      }
    }
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      for (int i = version; i < MIGRATIONS.length; i++) {
        s.execute(MIGRATIONS[i]);
        s.execute("INSERT INTO schema_version VALUES (" + (i + 1) + ")");
      }
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  @Override
  public boolean insert(JobRecord j) {
    return write(
        "record job " + j.jobId(),
        c -> {
          String sql = "INSERT OR IGNORE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, j.jobId());
            ps.setString(2, j.submitterDid());
            ps.setString(3, j.state().wireName());
            ps.setBytes(4, JobMessages.manifest(j.manifest()).toByteArray());
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
    synchronized (reader) {
      try (PreparedStatement ps = reader.prepareStatement("SELECT * FROM jobs WHERE job_id=?")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(job(rs)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read job " + jobId, e);
      }
    }
  }

  @Override
  public List<JobRecord> unfinished() {
    String sql =
        "SELECT * FROM jobs WHERE state NOT IN ('completed','failed','cancelled')"
            + " ORDER BY submitted_at";
    synchronized (reader) {
      try (Statement s = reader.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        List<JobRecord> jobs = new ArrayList<>();
        while (rs.next()) {
          jobs.add(job(rs));
        }
        return jobs;
      } catch (SQLException e) {
        throw new IllegalStateException("cannot list unfinished jobs", e);
      }
    }
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
      ps.setNull(index, java.sql.Types.INTEGER);
    }
  }

  @Override
  public void saveTask(TaskRecord t) {
    write(
        "record task " + t.taskId(),
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement("INSERT OR IGNORE INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?)");
              PreparedStatement pay =
                  c.prepareStatement("INSERT OR IGNORE INTO task_payments VALUES (?,?,?,?,?)")) {
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

  private List<TaskRecord.Payment> alsoPaid(String taskId) throws SQLException {
    String sql =
        "SELECT executor_did, price, receipt_cid, log_index FROM task_payments WHERE task_id=?"
            + " ORDER BY log_index";
    try (PreparedStatement ps = reader.prepareStatement(sql)) {
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
        c -> {
          try (PreparedStatement insert =
                  c.prepareStatement("INSERT OR IGNORE INTO job_chunking VALUES (?,?)");
              PreparedStatement read =
                  c.prepareStatement("SELECT chunk_bytes FROM job_chunking WHERE job_id=?")) {
            insert.setString(1, jobId);
            insert.setLong(2, chunkBytes);
            insert.executeUpdate();
            read.setString(1, jobId);
            try (ResultSet rs = read.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  @Override
  public String fixFetchedInput(String jobId, String blobCid) {
    return write(
        "record the fetched input of job " + jobId,
        c -> {
          try (PreparedStatement insert =
                  c.prepareStatement("INSERT OR IGNORE INTO job_inputs VALUES (?,?)");
              PreparedStatement read =
                  c.prepareStatement("SELECT blob_cid FROM job_inputs WHERE job_id=?")) {
            insert.setString(1, jobId);
            insert.setString(2, blobCid);
            insert.executeUpdate();
            read.setString(1, jobId);
            try (ResultSet rs = read.executeQuery()) {
              rs.next();
              return rs.getString(1);
            }
          }
        });
  }

  @Override
  public Optional<String> fetchedInput(String jobId) {
    synchronized (reader) {
      try (PreparedStatement ps =
          reader.prepareStatement("SELECT blob_cid FROM job_inputs WHERE job_id=?")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the fetched input of job " + jobId, e);
      }
    }
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
    synchronized (reader) {
      try (PreparedStatement ps =
          reader.prepareStatement("SELECT placement FROM placements WHERE job_id=? ORDER BY seq")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          List<Placement> all = new ArrayList<>();
          while (rs.next()) {
            all.add(TaskMessages.placement(TaskPlacement.parseFrom(rs.getBytes(1))));
          }
          return all;
        }
      } catch (SQLException | InvalidProtocolBufferException e) {
        throw new IllegalStateException("cannot read the placements of job " + jobId, e);
      }
    }
  }

  @Override
  public ExecutorRecord executor(String did) {
    synchronized (reader) {
      try (PreparedStatement ps =
          reader.prepareStatement(
              "SELECT verified, caught, failed, updated_at FROM executors WHERE did=?")) {
        ps.setString(1, did);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? new ExecutorRecord(did, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))
              : ExecutorRecord.unknown(did);
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the record of executor " + did, e);
      }
    }
  }

  @Override
  public void saveExecutor(ExecutorRecord r) {
    write(
        "record executor " + r.did(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("INSERT OR REPLACE INTO executors VALUES (?,?,?,?,?)")) {
            ps.setString(1, r.did());
            ps.setLong(2, r.verified());
            ps.setLong(3, r.caught());
            ps.setLong(4, r.failed());
            ps.setLong(5, r.updatedAt());
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public List<TaskRecord> tasks(String jobId) {
    String sql = "SELECT * FROM tasks WHERE job_id=? ORDER BY export_name='merge', chunk_index";
    synchronized (reader) {
      try (PreparedStatement ps = reader.prepareStatement(sql)) {
        ps.setString(1, jobId);
        List<TaskRecord> tasks = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long storedSize = rs.getLong("stored_result_size");
            boolean stored = !rs.wasNull();
            byte[] result = rs.getBytes("result");
            tasks.add(
                new TaskRecord(
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
                    stored ? storedSize : result.length));
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
                  alsoPaid(t.taskId()),
                  t.resultSize()));
        }
        return withPayments;
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the tasks of job " + jobId, e);
      }
    }
  }

  /**
   * Nothing to fence: a SQLite file belongs to one orchestrator process, so no deposed replica
   * writes to it. The shared journal (PostgreSQL) is where epochs are kept.
   */
  @Override
  public void fence(long epoch) {}

  /** Commits what is queued, stops the committer and closes the file. */
  @Override
  public void close() {
    writer.close();
    synchronized (reader) {
      try {
        reader.close();
      } catch (SQLException ignored) {
        // As above.
      }
    }
  }
}
