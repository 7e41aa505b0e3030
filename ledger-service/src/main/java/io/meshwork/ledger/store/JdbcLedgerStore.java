package io.meshwork.ledger.store;

import io.meshwork.ledger.core.Account;
import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.HistoryEntry;
import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.HoldState;
import io.meshwork.ledger.core.LedgerAudit;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.RecordedRequest;
import io.meshwork.ledger.core.Regeneration;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.SchemaMigrations;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the SQLite and PostgreSQL stores share: the SQL over accounts, holds, entries and request
 * outcomes, and the group commit that makes many concurrent writes share one durable transaction.
 *
 * <p><b>Group commit.</b> Every write goes to one committer thread, which owns the writing
 * connection. It takes whatever writes are waiting (up to {@code maxOpsPerCommit}; a batch queued
 * by {@link #writeAll} arrives as one piece), runs each against its {@link WorkingState}, an
 * in-memory copy of what writes touch, and then writes the group's changes as a few JDBC batches in
 * one transaction and commits once; only then does any of their futures complete. Each write's
 * changes are kept apart until it returns, so a write whose work throws leaves nothing and fails
 * alone; the others commit. The fsync (the cost that dominates a durable commit) is paid once per
 * group, and the SQL once per touched row per group rather than about a dozen statements per write.
 * Under light load a group is a single write and nothing waits for company: the next group forms
 * while the current one is being synced.
 *
 * <p>One writing connection also means writes never conflict with each other, on either database,
 * so no work is ever retried, and the working state is exactly the database's state plus the
 * current group; if a commit fails, the working state is dropped and loaded again. With {@code
 * maxOpsPerCommit = 1} there is no committer thread: each write runs on its caller's thread as its
 * own transaction, which is the reference the benchmark compares group commit against.
 */
public abstract class JdbcLedgerStore implements LedgerStore {
  private static final Logger LOG = Logger.getLogger(JdbcLedgerStore.class.getName());

  /** How many writes one commit may carry unless configured otherwise. */
  public static final int DEFAULT_MAX_OPS_PER_COMMIT = 1024;

  // The most request ids one look-up names, well below either database's parameter limit.
  private static final int LOOKUP_CHUNK = 256;

  static final String ACCOUNT_COLUMNS = "did, balance, held, created_at";
  static final String HOLD_COLUMNS =
      "hold_id, payer_did, amount, posted, state, job_id, memo, created_at, expires_at, closed_at,"
          + " creator_did";
  static final String ENTRY_COLUMNS =
      "entry_id, did, kind, balance_delta, held_delta, balance_after, held_after,"
          + " counterparty_did, job_id, hold_id, task_id, memo, request_id, at";

  /**
   * The schema, as numbered migrations; {@code entryIdColumn} is the one column whose SQL differs
   * between the databases (an increasing id that is never reused, which page tokens rely on).
   */
  static List<SchemaMigrations.Migration> migrations(String entryIdColumn) {
    return List.of(
        new SchemaMigrations.Migration(
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
                "CREATE TABLE entries ("
                    + " entry_id "
                    + entryIdColumn
                    + ","
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
                    + " at BIGINT NOT NULL)")),
        new SchemaMigrations.Migration(
            2,
            "regeneration: from when each account's regeneration is counted",
            List.of(
                "CREATE TABLE regeneration ("
                    + " did TEXT PRIMARY KEY REFERENCES accounts (did),"
                    + " anchor BIGINT NOT NULL,"
                    + " paid BIGINT NOT NULL)")),
        new SchemaMigrations.Migration(
            3,
            "holds: the orchestrator that created each; empty for holds made before",
            List.of(
                "ALTER TABLE holds ADD COLUMN creator_did TEXT NOT NULL DEFAULT ''",
                // Who may read an account or a job's history asks which holds a creator has.
                "CREATE INDEX holds_by_creator ON holds (payer_did, creator_did, job_id)")));
  }

  private final String description;
  private final int maxOpsPerCommit;
  // Each element is one writeAll call, kept together so a batch shares a commit.
  private final BlockingQueue<List<PendingWrite<?>>> queue = new LinkedBlockingQueue<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock readLock = new ReentrantLock();
  private final Thread committer;
  private Connection writeConnection;
  private Statements writeStatements;
  private Connection readConnection;
  private Statements readStatements;
  // Used only by the committer (or the caller holding writeLock); null until loaded, and again
  // after a failed commit.
  private WorkingState working;
  private boolean writerBroken;
  private boolean readerBroken;
  private volatile boolean closed;

  /**
   * Takes over two open connections: one that writes, one that reads.
   *
   * @param description names the database in messages
   */
  protected JdbcLedgerStore(
      String description, Connection writeConnection, Connection readConnection, int maxOps) {
    if (maxOps < 1) {
      throw new IllegalArgumentException("maxOpsPerCommit must be >= 1, got " + maxOps);
    }
    this.description = description;
    this.maxOpsPerCommit = maxOps;
    this.writeConnection = writeConnection;
    this.writeStatements = new Statements(writeConnection);
    this.readConnection = readConnection;
    this.readStatements = new Statements(readConnection);
    if (maxOps > 1) {
      committer = new Thread(this::commitLoop, "ledger-committer");
      committer.setDaemon(true);
      committer.start();
    } else {
      committer = null;
    }
  }

  // -- what each database does its own way -------------------------------------------------------

  /** Starts a write transaction on the writing connection. */
  protected abstract void begin(Connection c) throws SQLException;

  /** Commits the write transaction durably. */
  protected abstract void commit(Connection c) throws SQLException;

  /** Rolls the write transaction back. */
  protected abstract void rollback(Connection c) throws SQLException;

  /** Starts a read-only transaction that sees one snapshot. */
  protected abstract void beginRead(Connection c) throws SQLException;

  /** Ends the read transaction. */
  protected abstract void endRead(Connection c) throws SQLException;

  /**
   * The INSERT of an entry with its id given, binding {@code entry_id} first and then the columns
   * as {@link #bindEntry} does. The ledger assigns entry ids itself, being the only writer.
   */
  protected abstract String entryInsert();

  /** Maps a JDBC failure to a MeshException: retryable ones to UNAVAILABLE. */
  protected abstract MeshException failure(SQLException e);

  /**
   * Opens a new writing connection after the old one broke, or throws; the default cannot.
   * PostgreSQL reconnects, since its server may restart under a running ledger.
   */
  protected Connection reopenWriter() throws SQLException {
    throw new SQLException("the ledger's writing connection is broken");
  }

  /**
   * Opens a new reading connection after the old one broke, or throws; the default cannot.
   * PostgreSQL reconnects, since its server may restart under a running ledger.
   */
  protected Connection reopenReader() throws SQLException {
    throw new SQLException("the ledger's reading connection is broken");
  }

  /** Whether {@code e} means the connection itself is gone. */
  protected boolean connectionLost(SQLException e) {
    return false;
  }

  // -- LedgerStore --------------------------------------------------------------------------------

  @Override
  public <T> T read(Function<Reader, T> work) {
    readLock.lock();
    try {
      ensureOpen();
      try {
        return readOnce(work);
      } catch (MeshException e) {
        if (!readerBroken) {
          throw e;
        }
        // The connection was lost (a database restart, say): reads change nothing, so try once
        // more on a new one before reporting the failure.
        LOG.log(Level.INFO, "the ledger's reading connection was lost; reconnecting", e);
        return readOnce(work);
      }
    } finally {
      readLock.unlock();
    }
  }

  private <T> T readOnce(Function<Reader, T> work) {
    try {
      if (readerBroken) {
        closeQuietly(readConnection);
        readConnection = reopenReader();
        readStatements = new Statements(readConnection);
        readerBroken = false;
      }
      beginRead(readConnection);
    } catch (SQLException e) {
      throw readFailure(e);
    }
    try {
      return work.apply(new Access(readStatements, this::readFailure));
    } finally {
      try {
        endRead(readConnection);
      } catch (SQLException e) {
        readFailure(e);
        LOG.log(Level.FINE, "ending a read transaction failed", e);
      }
    }
  }

  @Override
  public void writeAll(List<? extends Write<?>> writes) {
    List<PendingWrite<?>> batch = new ArrayList<>(writes.size());
    for (Write<?> w : writes) {
      batch.add(new PendingWrite<>(w));
    }
    if (committer == null) {
      writeLock.lock();
      try {
        ensureOpen();
        for (PendingWrite<?> w : batch) {
          runGroup(List.of(w));
        }
      } finally {
        writeLock.unlock();
      }
    } else {
      ensureOpen();
      queue.add(batch);
      if (closed) {
        // close() may have drained the queue just before the add; never leave a caller waiting.
        List<List<PendingWrite<?>>> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(l -> failAll(l, closedFailure()));
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (committer != null) {
      // Not interrupted: the committer finishes the group it is running, sees closed, and stops.
      try {
        committer.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      List<List<PendingWrite<?>>> left = new ArrayList<>();
      queue.drainTo(left);
      left.forEach(l -> failAll(l, closedFailure()));
    }
    writeLock.lock();
    readLock.lock();
    try {
      closeQuietly(readConnection);
      closeQuietly(writeConnection);
    } finally {
      readLock.unlock();
      writeLock.unlock();
    }
  }

  /** Work on the writing connection itself. */
  protected interface ConnectionWork<T> {
    T apply(Connection c) throws SQLException;
  }

  /** Runs {@code work} on the writing connection, inside a write transaction. */
  protected <T> T onWriterConnection(ConnectionWork<T> work) {
    return write(
        w -> {
          try {
            return work.apply(writeConnection);
          } catch (SQLException e) {
            throw failure(e);
          }
        });
  }

  /** The most writes one commit carries. */
  public int maxOpsPerCommit() {
    return maxOpsPerCommit;
  }

  // -- group commit -------------------------------------------------------------------------------

  /** One caller's write, waiting for the commit that makes it durable. */
  private static final class PendingWrite<T> {
    final Write<T> write;
    T value;
    Throwable failure;

    PendingWrite(Write<T> write) {
      this.write = write;
    }

    void run(Writer writer) {
      value = write.work().apply(writer);
    }

    void complete() {
      if (failure != null) {
        write.outcome().completeExceptionally(failure);
      } else {
        write.outcome().complete(value);
      }
    }
  }

  private void commitLoop() {
    // The part of a batch that did not fit in the previous group; it goes first in the next.
    List<PendingWrite<?>> carry = List.of();
    List<PendingWrite<?>> group = new ArrayList<>();
    while (!closed) {
      try {
        if (carry.isEmpty()) {
          List<PendingWrite<?>> first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          carry = first;
        }
        carry = fill(group, carry);
        while (carry.isEmpty() && group.size() < maxOpsPerCommit) {
          List<PendingWrite<?>> next = queue.poll();
          if (next == null) {
            break;
          }
          carry = fill(group, next);
        }
        runGroup(group);
      } catch (InterruptedException e) {
        // Only close() stops the loop.
      } catch (Throwable t) {
        // runGroup completes every future itself; this is a last resort so no caller hangs.
        LOG.log(Level.SEVERE, "the ledger's committer failed", t);
        failAll(group, t);
        working = null;
      } finally {
        group.clear();
      }
    }
    // What is queued is failed by close(); what was taken but not run is failed here.
    failAll(carry, closedFailure());
  }

  /** Moves as much of {@code batch} into {@code group} as fits; returns the rest. */
  private List<PendingWrite<?>> fill(List<PendingWrite<?>> group, List<PendingWrite<?>> batch) {
    int room = maxOpsPerCommit - group.size();
    if (batch.size() <= room) {
      group.addAll(batch);
      return List.of();
    }
    group.addAll(batch.subList(0, room));
    return batch.subList(room, batch.size());
  }

  /**
   * Runs the writes of one group against the working state, writes what they changed in one
   * transaction, then completes their futures.
   */
  private void runGroup(List<PendingWrite<?>> group) {
    Connection c;
    WorkingState state;
    try {
      c = writer();
      state = working(c);
      List<String> requestIds = new ArrayList<>(group.size());
      for (PendingWrite<?> w : group) {
        requestIds.add(w.write.requestId());
      }
      state.prefetchRequests(requestIds);
    } catch (SQLException e) {
      failAll(group, storageFailure(e));
      return;
    } catch (MeshException e) {
      failAll(group, e);
      working = null;
      return;
    }
    for (PendingWrite<?> write : group) {
      WorkingState.Op op = state.begin();
      try {
        write.run(op);
        op.keep();
      } catch (RuntimeException | Error e) {
        op.discard();
        write.failure = e;
      }
    }
    try {
      if (state.hasChanges()) {
        begin(c);
        flush(state);
        commit(c);
        state.committed();
      } else {
        // Look-ups may have opened a transaction (PostgreSQL); end it.
        if (!c.getAutoCommit()) {
          c.rollback();
        }
        state.endGroup();
      }
    } catch (SQLException e) {
      // The outcome of a failed COMMIT is unknown to us: report every write as failed. Their
      // callers retry with the same request ids, and the request_id rule makes that safe.
      abort(c, group, e);
      return;
    } catch (RuntimeException e) {
      abort(c, group, new SQLException("writing the group failed", e));
      return;
    }
    for (PendingWrite<?> write : group) {
      write.complete();
    }
  }

  private void abort(Connection c, List<PendingWrite<?>> group, SQLException cause) {
    working = null;
    MeshException failure = storageFailure(cause);
    try {
      rollback(c);
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
    failAll(group, failure);
  }

  private MeshException storageFailure(SQLException e) {
    if (connectionLost(e)) {
      writerBroken = true;
    }
    return failure(e);
  }

  private MeshException readFailure(SQLException e) {
    if (connectionLost(e)) {
      readerBroken = true;
    }
    return failure(e);
  }

  private Connection writer() throws SQLException {
    if (writerBroken) {
      working = null;
      closeQuietly(writeConnection);
      writeConnection = reopenWriter();
      writeStatements = new Statements(writeConnection);
      writerBroken = false;
    }
    return writeConnection;
  }

  /** The working state, loaded from the database when there is none. */
  private WorkingState working(Connection c) throws SQLException {
    if (working == null) {
      Access db = new Access(writeStatements, this::storageFailure);
      List<Hold> pending = db.allPendingHolds();
      long lastEntryId = db.number("SELECT COALESCE(MAX(entry_id), 0) FROM entries");
      if (!c.getAutoCommit()) {
        c.rollback();
      }
      working = new WorkingState(db, pending, lastEntryId);
    }
    return working;
  }

  /** Writes the group's changes as JDBC batches, in an order that satisfies the foreign keys. */
  private void flush(WorkingState state) throws SQLException {
    batch(
        ACCOUNT_UPSERT,
        state.changedAccounts(),
        (ps, a) -> {
          ps.setString(1, a.did());
          ps.setLong(2, a.balance());
          ps.setLong(3, a.held());
          ps.setLong(4, a.createdAt());
        });
    batch(
        HOLD_UPSERT,
        state.changedHolds(),
        (ps, h) -> {
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
          ps.setString(11, h.creatorDid());
        });
    batch(
        entryInsert(),
        state.newEntries(),
        (ps, e) -> {
          ps.setLong(1, e.entryId());
          bindEntry(ps, e, 2);
        });
    batch(
        REGENERATION_UPSERT,
        state.changedRegeneration().entrySet(),
        (ps, r) -> {
          ps.setString(1, r.getKey());
          ps.setLong(2, r.getValue().anchor());
          ps.setLong(3, r.getValue().paid());
        });
    batch(
        "INSERT INTO requests (request_id, operation, fingerprint, outcome, at)"
            + " VALUES (?, ?, ?, ?, ?)",
        state.newRequests(),
        (ps, r) -> {
          ps.setString(1, r.requestId());
          ps.setString(2, r.operation());
          ps.setString(3, r.fingerprint());
          ps.setString(4, r.outcome());
          ps.setLong(5, r.at());
        });
  }

  private interface RowBinder<T> {
    void bind(PreparedStatement ps, T row) throws SQLException;
  }

  private <T> void batch(String sql, Collection<T> rows, RowBinder<T> binder) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    PreparedStatement ps = writeStatements.prepare(sql);
    for (T row : rows) {
      binder.bind(ps, row);
      ps.addBatch();
    }
    ps.executeBatch();
  }

  static final String ACCOUNT_UPSERT =
      "INSERT INTO accounts ("
          + ACCOUNT_COLUMNS
          + ") VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (did) DO UPDATE SET balance = excluded.balance, held = excluded.held";
  static final String HOLD_UPSERT =
      "INSERT INTO holds ("
          + HOLD_COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (hold_id) DO UPDATE SET posted = excluded.posted,"
          + " state = excluded.state, expires_at = excluded.expires_at,"
          + " closed_at = excluded.closed_at";
  static final String REGENERATION_UPSERT =
      "INSERT INTO regeneration (did, anchor, paid) VALUES (?, ?, ?)"
          + " ON CONFLICT (did) DO UPDATE SET anchor = excluded.anchor, paid = excluded.paid";

  private static void failAll(List<? extends PendingWrite<?>> writes, Throwable failure) {
    for (PendingWrite<?> w : writes) {
      w.write.outcome().completeExceptionally(failure);
    }
  }

  private MeshException closedFailure() {
    return MeshException.unavailable(
        "STORAGE_UNAVAILABLE", "the ledger database " + description + " is closed", null);
  }

  private void ensureOpen() {
    if (closed) {
      throw closedFailure();
    }
  }

  static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // Nothing useful to do while closing.
    }
  }

  // -- SQL ----------------------------------------------------------------------------------------

  /** The prepared statements of one connection, prepared once and reused. */
  protected static final class Statements {
    private final Connection connection;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    Statements(Connection connection) {
      this.connection = connection;
    }

    /** The statement for {@code sql}, prepared on first use. */
    public PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement ps = prepared.get(sql);
      if (ps == null) {
        ps = connection.prepareStatement(sql);
        prepared.put(sql, ps);
      }
      return ps;
    }

    /** Runs a statement without parameters. */
    public void execute(String sql) throws SQLException {
      prepare(sql).execute();
    }
  }

  /**
   * Row access over one connection: the reads of {@link #read}, and the committer's look-ups of
   * what its working state does not hold.
   */
  private final class Access implements Reader, WorkingState.Source {
    private final Statements s;
    private final Function<SQLException, MeshException> failure;

    Access(Statements s, Function<SQLException, MeshException> failure) {
      this.s = s;
      this.failure = failure;
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
    public List<Hold> pendingHoldsOf(String payerDid, int limit) {
      return all(
          "SELECT "
              + HOLD_COLUMNS
              + " FROM holds WHERE payer_did = ? AND state = 'PENDING'"
              + " ORDER BY created_at, hold_id LIMIT ?",
          ps -> {
            ps.setString(1, payerDid);
            ps.setInt(2, limit);
          },
          Access::toHold);
    }

    @Override
    public boolean holdExists(String payerDid, String creatorDid, String jobId, boolean pending) {
      boolean byJob = !jobId.isEmpty();
      return one(
              "SELECT 1 FROM holds WHERE payer_did = ? AND creator_did = ?"
                  + (byJob ? " AND job_id = ?" : "")
                  + (pending ? " AND state = 'PENDING'" : "")
                  + " LIMIT 1",
              ps -> {
                ps.setString(1, payerDid);
                ps.setString(2, creatorDid);
                if (byJob) {
                  ps.setString(3, jobId);
                }
              },
              rs -> true)
          .isPresent();
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
    public List<RecordedRequest> requests(Collection<String> requestIds) {
      List<String> ids = List.copyOf(requestIds);
      List<RecordedRequest> found = new ArrayList<>();
      for (int from = 0; from < ids.size(); from += LOOKUP_CHUNK) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + LOOKUP_CHUNK));
        found.addAll(
            all(
                "SELECT request_id, operation, fingerprint, outcome, at FROM requests"
                    + " WHERE request_id IN ("
                    + String.join(", ", Collections.nCopies(chunk.size(), "?"))
                    + ")",
                ps -> {
                  for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                  }
                },
                rs ->
                    new RecordedRequest(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getLong(5))));
      }
      return found;
    }

    /** Every pending hold, which the working state keeps in memory. */
    List<Hold> allPendingHolds() {
      return all(
          "SELECT " + HOLD_COLUMNS + " FROM holds WHERE state = 'PENDING'",
          ps -> {},
          Access::toHold);
    }

    @Override
    public Optional<Regeneration.State> regeneration(String did) {
      return one(
          "SELECT anchor, paid FROM regeneration WHERE did = ?",
          ps -> ps.setString(1, did),
          rs -> new Regeneration.State(rs.getLong(1), rs.getLong(2)));
    }

    /**
     * The audit's totals, computed exactly in SQL that cannot overflow on either database.
     *
     * <p>Every stored figure fits in a long, but sums and differences of them need not, and the two
     * databases fail differently when one does not (SQLite's SUM raises an error, and its
     * arithmetic turns into floating point; PostgreSQL raises "bigint out of range"). So sums are
     * taken of each value's high and low 32 bits separately, {@link #exactSum}, and the floor is
     * compared without subtracting.
     */
    @Override
    public LedgerAudit audit(String systemAccount, long floor, Map<String, Long> floors) {
      BigInteger systemBalance =
          exactSum("balance", "accounts WHERE did = ?", ps -> ps.setString(1, systemAccount));
      BigInteger userBalances =
          exactSum("balance", "accounts WHERE did <> ?", ps -> ps.setString(1, systemAccount));
      BigInteger held =
          exactSum("held", "accounts WHERE did <> ?", ps -> ps.setString(1, systemAccount));
      long accounts = number("SELECT COUNT(*) FROM accounts WHERE did <> ?", systemAccount);
      // balance - held < floor, for held >= 0, is balance < floor + held. That sum passes
      // Long.MAX_VALUE only when held > MAX - floor (floor >= 0), and then the account is below
      // the floor whatever its balance; CASE tries its branches in order, so the sum is only
      // computed where it fits.
      long heldBeyond = floor >= 0 ? Long.MAX_VALUE - floor : Long.MAX_VALUE;
      long belowFloor =
          one(
                  "SELECT COUNT(*) FROM accounts WHERE did <> ? AND 1 = CASE"
                      + " WHEN held < 0 OR held > ? THEN 1"
                      + " WHEN balance < ? + held THEN 1 ELSE 0 END",
                  ps -> {
                    ps.setString(1, systemAccount);
                    ps.setLong(2, heldBeyond);
                    ps.setLong(3, floor);
                  },
                  rs -> rs.getLong(1))
              .orElse(0L);
      // The count above held every account to the common floor; correct it for those with their
      // own, which are few.
      for (Map.Entry<String, Long> own : floors.entrySet()) {
        Optional<Account> a = account(own.getKey());
        if (a.isPresent() && !own.getKey().equals(systemAccount)) {
          belowFloor +=
              (a.get().isBelow(own.getValue()) ? 1 : 0) - (a.get().isBelow(floor) ? 1 : 0);
        }
      }
      Binder pending = ps -> ps.setString(1, HoldState.PENDING.name());
      BigInteger pendingRemaining =
          exactSum("amount", "holds WHERE state = ?", pending)
              .subtract(exactSum("posted", "holds WHERE state = ?", pending));
      // An account matches its entries when the exact sums of its deltas equal its balance and
      // held. Each sum is kept as high and low halves (see exactSum); carrying the low half's
      // excess into the high half gives the one split in which the low part is below 2^32, which
      // is the split of the stored value when, and only when, the two are equal.
      long offEntries =
          number(
              "SELECT COUNT(*) FROM accounts a LEFT JOIN ("
                  + "SELECT did,"
                  + " CAST(SUM(balance_delta >> 32) AS BIGINT) AS bh,"
                  + " CAST(SUM(balance_delta & 4294967295) AS BIGINT) AS bl,"
                  + " CAST(SUM(held_delta >> 32) AS BIGINT) AS hh,"
                  + " CAST(SUM(held_delta & 4294967295) AS BIGINT) AS hl"
                  + " FROM entries GROUP BY did) e ON e.did = a.did"
                  + " WHERE COALESCE(e.bh, 0) + (COALESCE(e.bl, 0) >> 32) <> (a.balance >> 32)"
                  + " OR (COALESCE(e.bl, 0) & 4294967295) <> (a.balance & 4294967295)"
                  + " OR COALESCE(e.hh, 0) + (COALESCE(e.hl, 0) >> 32) <> (a.held >> 32)"
                  + " OR (COALESCE(e.hl, 0) & 4294967295) <> (a.held & 4294967295)");
      long badHolds = number("SELECT COUNT(*) FROM holds WHERE posted < 0 OR posted > amount");
      return new LedgerAudit(
          systemBalance.negate(),
          userBalances,
          held,
          pendingRemaining,
          accounts,
          belowFloor,
          offEntries,
          badHolds);
    }

    /**
     * The exact sum of {@code column} over {@code FROM from}. Each value is split into its high 32
     * bits (signed, arithmetic shift) and its low 32 bits (unsigned); a sum of either half over
     * fewer than 2^31 rows fits in a long on both databases, and the total is high * 2^32 + low.
     */
    private BigInteger exactSum(String column, String from, Binder binder) {
      return one(
              "SELECT CAST(COALESCE(SUM("
                  + column
                  + " >> 32), 0) AS BIGINT), CAST(COALESCE(SUM("
                  + column
                  + " & 4294967295), 0) AS BIGINT) FROM "
                  + from,
              binder,
              rs ->
                  BigInteger.valueOf(rs.getLong(1))
                      .shiftLeft(32)
                      .add(BigInteger.valueOf(rs.getLong(2))))
          .orElse(BigInteger.ZERO);
    }

    // -- JDBC plumbing ----------------------------------------------------------------------

    private <T> Optional<T> one(String sql, Binder binder, RowMapper<T> mapper) {
      List<T> rows = all(sql, binder, mapper);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private <T> List<T> all(String sql, Binder binder, RowMapper<T> mapper) {
      try {
        PreparedStatement ps = s.prepare(sql);
        binder.bind(ps);
        try (ResultSet rs = ps.executeQuery()) {
          List<T> rows = new ArrayList<>();
          while (rs.next()) {
            rows.add(mapper.map(rs));
          }
          return rows;
        }
      } catch (SQLException e) {
        throw failure.apply(e);
      }
    }

    private long number(String sql, String parameter) {
      return one(sql, ps -> ps.setString(1, parameter), rs -> rs.getLong(1)).orElse(0L);
    }

    long number(String sql) {
      return one(sql, ps -> {}, rs -> rs.getLong(1)).orElse(0L);
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
          rs.getLong(10),
          rs.getString(11));
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

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /**
   * Binds the columns of an entry but its id, in the order of {@link #ENTRY_INSERT_COLUMNS}, from
   * index {@code first}.
   */
  static void bindEntry(PreparedStatement ps, HistoryEntry e, int first) throws SQLException {
    int i = first;
    ps.setString(i++, e.did());
    ps.setString(i++, e.kind().name());
    ps.setLong(i++, e.balanceDelta());
    ps.setLong(i++, e.heldDelta());
    ps.setLong(i++, e.balanceAfter());
    ps.setLong(i++, e.heldAfter());
    ps.setString(i++, e.counterpartyDid());
    ps.setString(i++, e.jobId());
    ps.setString(i++, e.holdId());
    ps.setString(i++, e.taskId());
    ps.setString(i++, e.memo());
    ps.setString(i++, e.requestId());
    ps.setLong(i, e.at());
  }

  /** The columns an entry's INSERT names, its id first. */
  static final String ENTRY_INSERT_COLUMNS =
      "entry_id, did, kind, balance_delta, held_delta, balance_after, held_after,"
          + " counterparty_did, job_id, hold_id, task_id, memo, request_id, at";

  /** Placeholders for {@link #ENTRY_INSERT_COLUMNS}. */
  static final String ENTRY_INSERT_VALUES = "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
}
