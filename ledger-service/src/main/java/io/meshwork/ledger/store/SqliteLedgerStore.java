package io.meshwork.ledger.store;

import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.SchemaMigrations;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * The ledger's store in one SQLite file: the embedded default, for one machine.
 *
 * <p>The file runs in WAL mode with {@code synchronous=FULL}, so a committed transaction is on disk
 * before its writes are acknowledged, and readers never block the writer. SQLite allows one writer
 * at a time anyway; {@link JdbcLedgerStore} gives it one connection and groups concurrent writes
 * into shared commits. Reads use a second connection, each read in its own transaction so it sees
 * one consistent snapshot.
 */
public final class SqliteLedgerStore extends JdbcLedgerStore {
  /** The file name of the ledger's database inside the service's data directory. */
  public static final String FILE_NAME = "ledger.db";

  // AUTOINCREMENT keeps entry ids increasing and never reused, even after the newest is deleted.
  static final List<SchemaMigrations.Migration> MIGRATIONS =
      migrations("INTEGER PRIMARY KEY AUTOINCREMENT");

  private static final int CACHE_KIB = 64 * 1024;
  private static final int CHECKPOINT_PAGES = 10_000;

  private final Path file;

  private SqliteLedgerStore(Path file, Connection writer, Connection reader, int maxOps) {
    super(file.toString(), writer, reader, maxOps);
    this.file = file;
  }

  /** Opens (creating if needed) the ledger file {@value #FILE_NAME} in {@code dataDir}. */
  public static SqliteLedgerStore inDirectory(Path dataDir) {
    return open(dataDir.resolve(FILE_NAME), DEFAULT_MAX_OPS_PER_COMMIT);
  }

  /** Opens the ledger file {@value #FILE_NAME} in {@code dataDir}, grouping commits as given. */
  public static SqliteLedgerStore inDirectory(Path dataDir, int maxOpsPerCommit) {
    return open(dataDir.resolve(FILE_NAME), maxOpsPerCommit);
  }

  /**
   * Opens (creating if needed) the ledger database at {@code file} and migrates its schema.
   *
   * @param maxOpsPerCommit the most writes one commit carries; 1 commits each on its own
   */
  public static SqliteLedgerStore open(Path file, int maxOpsPerCommit) {
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    Connection writer = null;
    try {
      writer = connect(url);
      SchemaMigrations.apply(writer, MIGRATIONS);
      Connection reader = connect(url);
      try (Statement s = reader.createStatement()) {
        s.execute("PRAGMA query_only = true");
      }
      return new SqliteLedgerStore(file, writer, reader, maxOpsPerCommit);
    } catch (SQLException e) {
      closeQuietly(writer);
      throw new MeshException(
          MeshException.Kind.UNAVAILABLE,
          "STORAGE_UNAVAILABLE",
          "cannot open the ledger database " + file + ": " + e.getMessage(),
          e);
    }
  }

  private static Connection connect(String url) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // FULL syncs the WAL on every commit: an acknowledged operation survives a power loss, not
    // only a crash of the process (NORMAL would survive the latter only).
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(10_000);
    // 64 MiB of page cache (negative means KiB), so the B-tree pages a group commit changes are
    // rarely read back from the file.
    config.setCacheSize(-CACHE_KIB);
    Connection c = config.createConnection(url);
    try (Statement s = c.createStatement()) {
      // Copy the WAL back into the database every ~40 MiB rather than every 4 MiB: a page changed
      // by several commits is copied (and synced) once. Durability is unchanged: each commit still
      // syncs the WAL.
      s.execute("PRAGMA wal_autocheckpoint = " + CHECKPOINT_PAGES);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
    return c;
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** The value of a PRAGMA on the writing connection, for diagnostics and tests. */
  String writerPragma(String name) {
    return onWriterConnection(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getString(1) : "";
          }
        });
  }

  // Explicit BEGIN/COMMIT rather than setAutoCommit(false): the driver would reopen a transaction
  // right after each commit, and an idle open transaction pins an old snapshot.

  @Override
  protected void begin(Connection c) throws SQLException {
    // IMMEDIATE takes the write lock up front, so the transaction cannot fail half-way for want
    // of it.
    execute(c, "BEGIN IMMEDIATE");
  }

  @Override
  protected void commit(Connection c) throws SQLException {
    execute(c, "COMMIT");
  }

  @Override
  protected void rollback(Connection c) throws SQLException {
    if (!c.getAutoCommit()) {
      c.rollback();
    } else {
      try {
        execute(c, "ROLLBACK");
      } catch (SQLException e) {
        // The failure may have ended the transaction already.
        if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
          throw e;
        }
      }
    }
  }

  @Override
  protected void beginRead(Connection c) throws SQLException {
    execute(c, "BEGIN");
  }

  @Override
  protected void endRead(Connection c) throws SQLException {
    execute(c, "COMMIT");
  }

  @Override
  protected String entryInsert() {
    // An explicit id in an AUTOINCREMENT column also moves its sequence, so ids stay unique.
    return "INSERT INTO entries (" + ENTRY_INSERT_COLUMNS + ") " + ENTRY_INSERT_VALUES;
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** Busy is retryable; anything else is internal. */
  @Override
  protected MeshException failure(SQLException e) {
    int code = e.getErrorCode();
    if (code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code) {
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
