package io.meshwork.ledger.store;

import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.SchemaMigrations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * The ledger's store in a PostgreSQL database, for a ledger whose database lives on its own server.
 *
 * <p>Commits are durable as PostgreSQL's are with {@code synchronous_commit=on}: the WAL is flushed
 * before COMMIT returns, and {@link JdbcLedgerStore} acknowledges nothing before that. All writes
 * go through one connection (grouped into shared commits), so they never conflict; to keep it that
 * way across processes, the store holds a session advisory lock while it is open, and a second
 * ledger on the same database waits for it (a killed ledger's lock goes with its session). Reads
 * use their own connection at REPEATABLE READ, so each read sees one snapshot.
 */
public final class PostgresLedgerStore extends JdbcLedgerStore {
  // Chosen once: "meshwork ledger" as two 32-bit halves would do as well as any number.
  private static final long WRITER_LOCK = 0x6d6573686c656467L;
  private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

  static final List<SchemaMigrations.Migration> MIGRATIONS =
      migrations("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY");

  private final String url;
  private final Properties credentials;

  private PostgresLedgerStore(
      String url, Properties credentials, Connection writer, Connection reader, int maxOps) {
    super(url, writer, reader, maxOps);
    this.url = url;
    this.credentials = credentials;
  }

  /**
   * Connects to the database at {@code url} ({@code jdbc:postgresql://...}), migrates its schema
   * and takes the writer's lock.
   *
   * @param maxOpsPerCommit the most writes one commit carries; 1 commits each on its own
   */
  public static PostgresLedgerStore open(
      String url, String user, String password, int maxOpsPerCommit) {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    props.setProperty("connectTimeout", "10");
    props.setProperty("ApplicationName", "meshwork-ledger");
    // The committer writes each group as JDBC batches; this turns a batch of INSERTs into
    // multi-row statements, so a group costs a few round trips rather than one per row.
    props.setProperty("reWriteBatchedInserts", "true");
    Connection writer = null;
    Connection reader = null;
    try {
      writer = connectWriter(url, props);
      SchemaMigrations.apply(writer, MIGRATIONS);
      reader = connectReader(url, props);
      return new PostgresLedgerStore(url, props, writer, reader, maxOpsPerCommit);
    } catch (SQLException e) {
      closeQuietly(reader);
      closeQuietly(writer);
      throw new MeshException(
          MeshException.Kind.UNAVAILABLE,
          "STORAGE_UNAVAILABLE",
          "cannot open the ledger database " + url + ": " + e.getMessage(),
          e);
    }
  }

  private static Connection connectReader(String url, Properties props) throws SQLException {
    Connection c = DriverManager.getConnection(url, props);
    try {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      return c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static Connection connectWriter(String url, Properties props) throws SQLException {
    Connection c = DriverManager.getConnection(url, props);
    try {
      long until = System.nanoTime() + LOCK_WAIT.toNanos();
      while (!tryLock(c)) {
        if (System.nanoTime() > until) {
          throw new SQLException(
              "another ledger holds the writer's lock on " + url + " for more than " + LOCK_WAIT);
        }
        Thread.sleep(100);
      }
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(c);
      throw new SQLException("interrupted while waiting for the writer's lock", e);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static boolean tryLock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, WRITER_LOCK);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  @Override
  protected Connection reopenWriter() throws SQLException {
    return connectWriter(url, credentials);
  }

  @Override
  protected Connection reopenReader() throws SQLException {
    return connectReader(url, credentials);
  }

  @Override
  protected void begin(Connection c) {
    // With autocommit off, the driver opens the transaction at the first statement.
  }

  @Override
  protected void commit(Connection c) throws SQLException {
    c.commit();
  }

  @Override
  protected void rollback(Connection c) throws SQLException {
    c.rollback();
  }

  @Override
  protected void beginRead(Connection c) {
    // The snapshot is taken at the first statement of the transaction.
  }

  @Override
  protected void endRead(Connection c) throws SQLException {
    c.commit();
  }

  @Override
  protected String entryInsert() {
    // The id column is an identity; the ledger, as the only writer, gives the ids itself.
    return "INSERT INTO entries ("
        + ENTRY_INSERT_COLUMNS
        + ") OVERRIDING SYSTEM VALUE "
        + ENTRY_INSERT_VALUES;
  }

  @Override
  protected boolean connectionLost(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01"));
  }

  /** Lost connections and conflicts are retryable; anything else is internal. */
  @Override
  protected MeshException failure(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (connectionLost(e) || state.startsWith("57P")) {
      return MeshException.unavailable(
          "STORAGE_UNAVAILABLE", "the ledger database is unreachable; retry the call", e);
    }
    if (state.equals("40001") || state.equals("40P01") || state.equals("55P03")) {
      return MeshException.unavailable(
          "STORAGE_BUSY", "the ledger database is busy; retry the call", e);
    }
    return new MeshException(
        MeshException.Kind.INTERNAL,
        "STORAGE_FAILURE",
        "the ledger database failed: " + e.getMessage(),
        e);
  }
}
