package io.meshwork.ledger.store;

import io.meshwork.ledger.core.Account;
import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.HistoryEntry;
import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.HoldState;
import io.meshwork.ledger.core.LedgerAudit;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.RecordedRequest;
import io.meshwork.ledger.store.Migrations.Migration;
import io.meshwork.runtime.errors.MeshException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * The ledger's store in one SQLite file: the embedded default, for one machine.
 *
 * <p>The file runs in WAL mode with {@code synchronous=FULL}, so a committed transaction is on disk
 * before {@link #write} returns and readers never block the writer. Writes go through one
 * connection guarded by a lock, which is what SQLite allows anyway (one writer at a time); reads
 * use a second connection, each read in its own transaction so it sees one consistent snapshot.
 *
 * <p>The SQL sticks to what PostgreSQL also accepts, except the auto-increment column of the
 * entries table, so a PostgreSQL store can share the queries.
 */
public final class SqliteLedgerStore implements LedgerStore {
  /** The file name of the ledger's database inside the service's data directory. */
  public static final String FILE_NAME = "ledger.db";

  static final List<Migration> MIGRATIONS =
      List.of(
          new Migration(
              1,
              "accounts, holds, entries and request outcomes",
              List.of(
                  "CREATE TABLE accounts ("
                      + " did TEXT PRIMARY KEY,"
                      + " balance BIGINT NOT NULL,"
                      + " held BIGINT NOT NULL,"
                      + " created_at BIGINT NOT NULL)",
                  "CREATE TABLE holds ("
                      + " hold_id TEXT PRIMARY KEY,"
                      + " payer_did TEXT NOT NULL REFERENCES accounts (did),"
                      + " amount BIGINT NOT NULL CHECK (amount > 0),"
                      + " posted BIGINT NOT NULL,"
                      + " state TEXT NOT NULL,"
                      + " job_id TEXT NOT NULL,"
                      + " memo TEXT NOT NULL,"
                      + " created_at BIGINT NOT NULL,"
                      + " expires_at BIGINT NOT NULL,"
                      + " closed_at BIGINT NOT NULL)",
                  // The sweeper looks for pending holds by expiry, and a spender for its own.
                  "CREATE INDEX holds_due ON holds (state, expires_at)",
                  "CREATE INDEX holds_by_payer ON holds (payer_did, state, expires_at)",
                  // AUTOINCREMENT keeps entry ids increasing and never reused, which the
                  // history's page tokens rely on. PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY.
                  "CREATE TABLE entries ("
                      + " entry_id INTEGER PRIMARY KEY AUTOINCREMENT,"
                      + " did TEXT NOT NULL REFERENCES accounts (did),"
                      + " kind TEXT NOT NULL,"
                      + " balance_delta BIGINT NOT NULL,"
                      + " held_delta BIGINT NOT NULL,"
                      + " balance_after BIGINT NOT NULL,"
                      + " held_after BIGINT NOT NULL,"
                      + " counterparty_did TEXT NOT NULL,"
                      + " job_id TEXT NOT NULL,"
                      + " hold_id TEXT NOT NULL,"
                      + " task_id TEXT NOT NULL,"
                      + " memo TEXT NOT NULL,"
                      + " request_id TEXT NOT NULL,"
                      + " at BIGINT NOT NULL)",
                  "CREATE INDEX entries_by_account ON entries (did, entry_id)",
                  "CREATE INDEX entries_by_job ON entries (did, job_id, entry_id)",
                  "CREATE TABLE requests ("
                      + " request_id TEXT PRIMARY KEY,"
                      + " operation TEXT NOT NULL,"
                      + " fingerprint TEXT NOT NULL,"
                      + " outcome TEXT NOT NULL,"
                      + " at BIGINT NOT NULL)")));

  private static final String ACCOUNT_COLUMNS = "did, balance, held, created_at";
  private static final String HOLD_COLUMNS =
      "hold_id, payer_did, amount, posted, state, job_id, memo, created_at, expires_at, closed_at";
  private static final String ENTRY_COLUMNS =
      "entry_id, did, kind, balance_delta, held_delta, balance_after, held_after,"
          + " counterparty_did, job_id, hold_id, task_id, memo, request_id, at";

  private final Path file;
  private final Connection writeConnection;
  private final Connection readConnection;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock readLock = new ReentrantLock();
  private volatile boolean closed;

  private SqliteLedgerStore(Path file, Connection writeConnection, Connection readConnection) {
    this.file = file;
    this.writeConnection = writeConnection;
    this.readConnection = readConnection;
  }

  /** Opens (creating if needed) the ledger file {@value #FILE_NAME} in {@code dataDir}. */
  public static SqliteLedgerStore inDirectory(Path dataDir) {
    return open(dataDir.resolve(FILE_NAME));
  }

  /** Opens (creating if needed) the ledger database at {@code file} and migrates its schema. */
  public static SqliteLedgerStore open(Path file) {
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    Connection writer = null;
    try {
      writer = connect(url);
      Migrations.apply(writer, MIGRATIONS);
      Connection reader = connect(url);
      try (Statement s = reader.createStatement()) {
        s.execute("PRAGMA query_only = true");
      }
      return new SqliteLedgerStore(file, writer, reader);
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
    // FULL syncs the WAL on every commit: an acknowledged operation survives a power loss.
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(10_000);
    return config.createConnection(url);
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** The value of a PRAGMA on the writing connection, for diagnostics and tests. */
  String writerPragma(String name) {
    writeLock.lock();
    try (Statement s = writeConnection.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      return rs.next() ? rs.getString(1) : "";
    } catch (SQLException e) {
      throw failure(e);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public <T> T read(Function<Reader, T> work) {
    readLock.lock();
    try {
      ensureOpen();
      // Explicit BEGIN/COMMIT rather than setAutoCommit(false): the driver would reopen a
      // transaction right after each commit, and an idle open transaction pins an old snapshot.
      execute(readConnection, "BEGIN");
      try {
        return work.apply(new Access(readConnection));
      } finally {
        execute(readConnection, "COMMIT");
      }
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public <T> T write(Function<Writer, T> work) {
    writeLock.lock();
    try {
      ensureOpen();
      // IMMEDIATE takes the write lock up front, so the transaction cannot fail half-way for
      // want of it.
      execute(writeConnection, "BEGIN IMMEDIATE");
      T result;
      try {
        result = work.apply(new Access(writeConnection));
        execute(writeConnection, "COMMIT");
      } catch (RuntimeException | Error e) {
        rollbackQuietly(e);
        throw e;
      }
      return result;
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void close() {
    writeLock.lock();
    readLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(readConnection);
      closeQuietly(writeConnection);
    } finally {
      readLock.unlock();
      writeLock.unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw MeshException.unavailable(
          "STORAGE_UNAVAILABLE", "the ledger database " + file + " is closed", null);
    }
  }

  private void rollbackQuietly(Throwable cause) {
    try (Statement s = writeConnection.createStatement()) {
      s.execute("ROLLBACK");
    } catch (SQLException e) {
      // The failure may have ended the transaction already; the original failure is what counts.
      cause.addSuppressed(e);
    }
  }

  private static void execute(Connection connection, String sql) {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // Nothing useful to do while closing.
    }
  }

  /** Maps a JDBC failure to a MeshException: busy is retryable, anything else is internal. */
  private static MeshException failure(SQLException e) {
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

  /** Row access inside one transaction; a read transaction simply never calls the writes. */
  private static final class Access implements Writer {
    private final Connection c;

    Access(Connection c) {
      this.c = c;
    }

    @Override
    public Optional<Account> account(String did) {
      return one(
          "SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE did = ?",
          ps -> ps.setString(1, did),
          rs -> new Account(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
    }

    @Override
    public Optional<Hold> hold(String holdId) {
      return one(
          "SELECT " + HOLD_COLUMNS + " FROM holds WHERE hold_id = ?",
          ps -> ps.setString(1, holdId),
          Access::toHold);
    }

    @Override
    public List<String> dueHolds(long nowMillis, int limit) {
      return all(
          "SELECT hold_id FROM holds WHERE state = 'PENDING' AND expires_at <= ?"
              + " ORDER BY expires_at, hold_id LIMIT ?",
          ps -> {
            ps.setLong(1, nowMillis);
            ps.setInt(2, limit);
          },
          rs -> rs.getString(1));
    }

    @Override
    public List<String> dueHoldsOf(String payerDid, long nowMillis) {
      return all(
          "SELECT hold_id FROM holds WHERE payer_did = ? AND state = 'PENDING'"
              + " AND expires_at <= ? ORDER BY expires_at, hold_id",
          ps -> {
            ps.setString(1, payerDid);
            ps.setLong(2, nowMillis);
          },
          rs -> rs.getString(1));
    }

    @Override
    public List<HistoryEntry> history(String did, String jobId, long beforeEntryId, int limit) {
      boolean byJob = !jobId.isEmpty();
      String sql =
          "SELECT "
              + ENTRY_COLUMNS
              + " FROM entries WHERE did = ? AND entry_id < ?"
              + (byJob ? " AND job_id = ?" : "")
              + " ORDER BY entry_id DESC LIMIT ?";
      return all(
          sql,
          ps -> {
            int i = 1;
            ps.setString(i++, did);
            ps.setLong(i++, beforeEntryId);
            if (byJob) {
              ps.setString(i++, jobId);
            }
            ps.setInt(i, limit);
          },
          Access::toEntry);
    }

    @Override
    public Optional<RecordedRequest> request(String requestId) {
      return one(
          "SELECT request_id, operation, fingerprint, outcome, at FROM requests"
              + " WHERE request_id = ?",
          ps -> ps.setString(1, requestId),
          rs ->
              new RecordedRequest(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getLong(5)));
    }

    @Override
    public LedgerAudit audit(String systemAccount, long floor) {
      long systemBalance =
          number("SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE did = ?", systemAccount);
      long userBalances =
          number("SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE did <> ?", systemAccount);
      long held =
          number("SELECT COALESCE(SUM(held), 0) FROM accounts WHERE did <> ?", systemAccount);
      long accounts = number("SELECT COUNT(*) FROM accounts WHERE did <> ?", systemAccount);
      long belowFloor =
          one(
                  "SELECT COUNT(*) FROM accounts"
                      + " WHERE did <> ? AND (held < 0 OR balance - held < ?)",
                  ps -> {
                    ps.setString(1, systemAccount);
                    ps.setLong(2, floor);
                  },
                  rs -> rs.getLong(1))
              .orElse(0L);
      long pendingRemaining =
          number(
              "SELECT COALESCE(SUM(amount - posted), 0) FROM holds WHERE state = ?",
              HoldState.PENDING.name());
      long offEntries =
          number(
              "SELECT COUNT(*) FROM accounts a LEFT JOIN ("
                  + "SELECT did, SUM(balance_delta) AS b, SUM(held_delta) AS h"
                  + " FROM entries GROUP BY did) e ON e.did = a.did"
                  + " WHERE COALESCE(e.b, 0) <> a.balance OR COALESCE(e.h, 0) <> a.held");
      long badHolds = number("SELECT COUNT(*) FROM holds WHERE posted < 0 OR posted > amount");
      return new LedgerAudit(
          -systemBalance,
          userBalances,
          held,
          pendingRemaining,
          accounts,
          belowFloor,
          offEntries,
          badHolds);
    }

    @Override
    public void insertAccount(Account a) {
      update(
          "INSERT INTO accounts (" + ACCOUNT_COLUMNS + ") VALUES (?, ?, ?, ?)",
          ps -> {
            ps.setString(1, a.did());
            ps.setLong(2, a.balance());
            ps.setLong(3, a.held());
            ps.setLong(4, a.createdAt());
          });
    }

    @Override
    public void updateAccount(String did, long balance, long held) {
      int rows =
          update(
              "UPDATE accounts SET balance = ?, held = ? WHERE did = ?",
              ps -> {
                ps.setLong(1, balance);
                ps.setLong(2, held);
                ps.setString(3, did);
              });
      if (rows != 1) {
        throw new IllegalStateException("no account " + did + " to update");
      }
    }

    @Override
    public void insertHold(Hold h) {
      update(
          "INSERT INTO holds (" + HOLD_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          ps -> {
            ps.setString(1, h.holdId());
            ps.setString(2, h.payerDid());
            ps.setLong(3, h.amount());
            ps.setLong(4, h.posted());
            ps.setString(5, h.state().name());
            ps.setString(6, h.jobId());
            ps.setString(7, h.memo());
            ps.setLong(8, h.createdAt());
            ps.setLong(9, h.expiresAt());
            ps.setLong(10, h.closedAt());
          });
    }

    @Override
    public void updateHold(Hold h) {
      int rows =
          update(
              "UPDATE holds SET posted = ?, state = ?, closed_at = ? WHERE hold_id = ?",
              ps -> {
                ps.setLong(1, h.posted());
                ps.setString(2, h.state().name());
                ps.setLong(3, h.closedAt());
                ps.setString(4, h.holdId());
              });
      if (rows != 1) {
        throw new IllegalStateException("no hold " + h.holdId() + " to update");
      }
    }

    @Override
    public long appendEntry(HistoryEntry e) {
      String sql =
          "INSERT INTO entries (did, kind, balance_delta, held_delta, balance_after, held_after,"
              + " counterparty_did, job_id, hold_id, task_id, memo, request_id, at)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
      try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
        ps.setString(1, e.did());
        ps.setString(2, e.kind().name());
        ps.setLong(3, e.balanceDelta());
        ps.setLong(4, e.heldDelta());
        ps.setLong(5, e.balanceAfter());
        ps.setLong(6, e.heldAfter());
        ps.setString(7, e.counterpartyDid());
        ps.setString(8, e.jobId());
        ps.setString(9, e.holdId());
        ps.setString(10, e.taskId());
        ps.setString(11, e.memo());
        ps.setString(12, e.requestId());
        ps.setLong(13, e.at());
        ps.executeUpdate();
        try (ResultSet keys = ps.getGeneratedKeys()) {
          if (!keys.next()) {
            throw new IllegalStateException("the database assigned no entry id");
          }
          return keys.getLong(1);
        }
      } catch (SQLException ex) {
        throw failure(ex);
      }
    }

    @Override
    public void recordRequest(RecordedRequest r) {
      update(
          "INSERT INTO requests (request_id, operation, fingerprint, outcome, at)"
              + " VALUES (?, ?, ?, ?, ?)",
          ps -> {
            ps.setString(1, r.requestId());
            ps.setString(2, r.operation());
            ps.setString(3, r.fingerprint());
            ps.setString(4, r.outcome());
            ps.setLong(5, r.at());
          });
    }

    // -- JDBC plumbing ----------------------------------------------------------------------

    private interface Binder {
      void bind(PreparedStatement ps) throws SQLException;
    }

    private interface RowMapper<T> {
      T map(ResultSet rs) throws SQLException;
    }

    private <T> Optional<T> one(String sql, Binder binder, RowMapper<T> mapper) {
      List<T> rows = all(sql, binder, mapper);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private <T> List<T> all(String sql, Binder binder, RowMapper<T> mapper) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        binder.bind(ps);
        try (ResultSet rs = ps.executeQuery()) {
          List<T> rows = new ArrayList<>();
          while (rs.next()) {
            rows.add(mapper.map(rs));
          }
          return rows;
        }
      } catch (SQLException e) {
        throw failure(e);
      }
    }

    private long number(String sql, String parameter) {
      return one(sql, ps -> ps.setString(1, parameter), rs -> rs.getLong(1)).orElse(0L);
    }

    private long number(String sql) {
      return one(sql, ps -> {}, rs -> rs.getLong(1)).orElse(0L);
    }

    private int update(String sql, Binder binder) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        binder.bind(ps);
        return ps.executeUpdate();
      } catch (SQLException e) {
        throw failure(e);
      }
    }

    private static Hold toHold(ResultSet rs) throws SQLException {
      return new Hold(
          rs.getString(1),
          rs.getString(2),
          rs.getLong(3),
          rs.getLong(4),
          HoldState.valueOf(rs.getString(5)),
          rs.getString(6),
          rs.getString(7),
          rs.getLong(8),
          rs.getLong(9),
          rs.getLong(10));
    }

    private static HistoryEntry toEntry(ResultSet rs) throws SQLException {
      return new HistoryEntry(
          rs.getLong(1),
          rs.getString(2),
          EntryKind.valueOf(rs.getString(3)),
          rs.getLong(4),
          rs.getLong(5),
          rs.getLong(6),
          rs.getLong(7),
          rs.getString(8),
          rs.getString(9),
          rs.getString(10),
          rs.getString(11),
          rs.getString(12),
          rs.getString(13),
          rs.getLong(14));
    }
  }
}
