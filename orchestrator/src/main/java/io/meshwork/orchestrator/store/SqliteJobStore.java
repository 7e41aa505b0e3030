package io.meshwork.orchestrator.store;

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
 * <p>One connection serves every call under a lock: the journal writes a few rows per task, far
 * below what one SQLite writer sustains.
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
    """
  };

  private final Connection connection;

  /** Opens (creating and migrating) the journal at {@code file}. */
  public SqliteJobStore(Path file) {
    try {
      connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      }
      migrate();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot open the job journal " + file + ": " + e.getMessage(), e);
    }
  }

  private void migrate() throws SQLException {
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
  public synchronized boolean insert(JobRecord j) {
    String sql = "INSERT OR IGNORE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      bind(ps, j);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record job " + j.jobId(), e);
    }
  }

  @Override
  public synchronized void update(JobRecord j) {
    String sql =
        "UPDATE jobs SET state=?, hold_id=?, spent=?, refunded=?, total_chunks=?,"
            + " completed_chunks=?, error_message=?, result=?, result_cid=?, finished_at=?"
            + " WHERE job_id=?";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, j.state());
      ps.setString(2, j.holdId());
      ps.setLong(3, j.spent());
      ps.setLong(4, j.refunded());
      ps.setInt(5, j.totalChunks());
      ps.setInt(6, j.completedChunks());
      ps.setString(7, j.errorMessage());
      ps.setBytes(8, j.result());
      ps.setString(9, j.resultCid());
      ps.setLong(10, j.finishedAt());
      ps.setString(11, j.jobId());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot update job " + j.jobId(), e);
    }
  }

  private static void bind(PreparedStatement ps, JobRecord j) throws SQLException {
    ps.setString(1, j.jobId());
    ps.setString(2, j.submitterDid());
    ps.setString(3, j.state());
    ps.setBytes(4, j.manifest());
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
  }

  @Override
  public synchronized Optional<JobRecord> find(String jobId) {
    try (PreparedStatement ps = connection.prepareStatement("SELECT * FROM jobs WHERE job_id=?")) {
      ps.setString(1, jobId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(job(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read job " + jobId, e);
    }
  }

  @Override
  public synchronized List<JobRecord> unfinished() {
    String sql =
        "SELECT * FROM jobs WHERE state NOT IN ('completed','failed','cancelled')"
            + " ORDER BY submitted_at";
    try (Statement s = connection.createStatement();
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

  private static JobRecord job(ResultSet rs) throws SQLException {
    return new JobRecord(
        rs.getString("job_id"),
        rs.getString("submitter_did"),
        rs.getString("state"),
        rs.getBytes("manifest"),
        rs.getBytes("manifest_digest"),
        rs.getString("hold_id"),
        rs.getLong("budget"),
        rs.getLong("spent"),
        rs.getLong("refunded"),
        rs.getInt("total_chunks"),
        rs.getInt("completed_chunks"),
        rs.getString("error_message"),
        rs.getBytes("result"),
        rs.getString("result_cid"),
        rs.getLong("submitted_at"),
        rs.getLong("finished_at"));
  }

  @Override
  public synchronized void saveTask(TaskRecord t) {
    String sql = "INSERT OR IGNORE INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?)";
    String paymentSql = "INSERT OR IGNORE INTO task_payments VALUES (?,?,?,?,?)";
    try (PreparedStatement ps = connection.prepareStatement(sql);
        PreparedStatement pay = connection.prepareStatement(paymentSql)) {
      connection.setAutoCommit(false);
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
      ps.setBytes(7, t.result());
      ps.setString(8, t.resultCid());
      ps.setString(9, t.receiptCid());
      ps.setLong(10, t.logIndex());
      ps.executeUpdate();
      connection.commit();
    } catch (SQLException e) {
      rollback();
      throw new IllegalStateException("cannot record task " + t.taskId(), e);
    } finally {
      autoCommit();
    }
  }

  private void rollback() {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // The connection is broken; the next statement reports it.
    }
  }

  private void autoCommit() {
    try {
      connection.setAutoCommit(true);
    } catch (SQLException ignored) {
      // As above.
    }
  }

  private List<TaskRecord.Payment> alsoPaid(String taskId) throws SQLException {
    String sql =
        "SELECT executor_did, price, receipt_cid, log_index FROM task_payments WHERE task_id=?"
            + " ORDER BY log_index";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
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
  public synchronized long fixChunkSize(String jobId, long chunkBytes) {
    try (PreparedStatement insert =
            connection.prepareStatement("INSERT OR IGNORE INTO job_chunking VALUES (?,?)");
        PreparedStatement read =
            connection.prepareStatement("SELECT chunk_bytes FROM job_chunking WHERE job_id=?")) {
      insert.setString(1, jobId);
      insert.setLong(2, chunkBytes);
      insert.executeUpdate();
      read.setString(1, jobId);
      try (ResultSet rs = read.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record the chunking of job " + jobId, e);
    }
  }

  @Override
  public synchronized void savePlacement(String jobId, byte[] placement) {
    try (PreparedStatement ps =
        connection.prepareStatement("INSERT INTO placements (job_id, placement) VALUES (?,?)")) {
      ps.setString(1, jobId);
      ps.setBytes(2, placement);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record a placement of job " + jobId, e);
    }
  }

  @Override
  public synchronized List<byte[]> placements(String jobId) {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT placement FROM placements WHERE job_id=? ORDER BY seq")) {
      ps.setString(1, jobId);
      try (ResultSet rs = ps.executeQuery()) {
        List<byte[]> all = new ArrayList<>();
        while (rs.next()) {
          all.add(rs.getBytes(1));
        }
        return all;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the placements of job " + jobId, e);
    }
  }

  @Override
  public synchronized ExecutorRecord executor(String did) {
    try (PreparedStatement ps =
        connection.prepareStatement(
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

  @Override
  public synchronized void saveExecutor(ExecutorRecord r) {
    try (PreparedStatement ps =
        connection.prepareStatement("INSERT OR REPLACE INTO executors VALUES (?,?,?,?,?)")) {
      ps.setString(1, r.did());
      ps.setLong(2, r.verified());
      ps.setLong(3, r.caught());
      ps.setLong(4, r.failed());
      ps.setLong(5, r.updatedAt());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record executor " + r.did(), e);
    }
  }

  @Override
  public synchronized List<TaskRecord> tasks(String jobId) {
    String sql = "SELECT * FROM tasks WHERE job_id=? ORDER BY export_name='merge', chunk_index";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, jobId);
      try (ResultSet rs = ps.executeQuery()) {
        List<TaskRecord> tasks = new ArrayList<>();
        while (rs.next()) {
          tasks.add(
              new TaskRecord(
                  rs.getString("task_id"),
                  rs.getString("job_id"),
                  rs.getInt("chunk_index"),
                  rs.getString("export_name"),
                  rs.getString("executor_did"),
                  rs.getLong("price"),
                  rs.getBytes("result"),
                  rs.getString("result_cid"),
                  rs.getString("receipt_cid"),
                  rs.getLong("log_index"),
                  alsoPaid(rs.getString("task_id"))));
        }
        return tasks;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the tasks of job " + jobId, e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing at shutdown; nothing left to save.
    }
  }
}
