package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.membership.JoinTokenRecord;
import io.meshwork.orchestrator.membership.MemberLoad;
import io.meshwork.orchestrator.membership.MemberSource;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.orchestrator.membership.MembershipStore;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.ReconnectingConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Membership's journal in a SQL database ({@link JournalDatabase}): a SQLite file of its own, or
 * the PostgreSQL database of the job journal. It keeps each member's current row, the history of
 * its states, and the join tokens (their secrets' hashes only). Writes happen on changes of state,
 * not on heartbeats, so one connection under a lock is plenty. Each write is a transaction that the
 * fence checks first ({@link EpochFence}, table {@code membership_epoch}).
 */
public final class SqlMembershipStore implements MembershipStore {
  private final JournalDatabase database;
  private final EpochFence fence = new EpochFence(JournalSchema.MEMBERSHIP.epochTable());
  // Guarded by this.
  private final ReconnectingConnection connection;

  /** Opens (creating and migrating) the membership journal in {@code database}. */
  public SqlMembershipStore(JournalDatabase database) {
    this.database = database;
    ReconnectingConnection opened = null;
    try {
      opened = ReconnectingConnection.open(database::connect, true, "the journal");
      database.migrate(
          opened.get(),
          c -> {
            adoptEarlyJournal(c);
            JournalSchema.MEMBERSHIP.migrate(database, c);
          });
    } catch (SQLException e) {
      if (opened != null) {
        opened.close();
      }
      throw new IllegalStateException(
          "cannot open the membership journal " + database + ": " + e.getMessage(), e);
    }
    connection = opened;
  }

  /**
   * Records the first four versions as applied in a membership journal from before the versions had
   * a table of their own, when it recorded its one version in {@code schema_migrations}.
   */
  private static void adoptEarlyJournal(Connection c) throws SQLException {
    String versions = JournalSchema.MEMBERSHIP.versions();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT 1 FROM schema_migrations WHERE version = 1"
                    + " AND description = 'members, their history and join tokens'")) {
      if (!rs.next()) {
        return;
      }
    } catch (SQLException noSuchTable) {
      // No early journal here; in auto-commit mode the failed query leaves nothing behind.
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + versions + " (version INTEGER NOT NULL)");
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + versions)) {
        rs.next();
        if (rs.getInt(1) > 0) {
          return;
        }
      }
      s.execute("INSERT INTO " + versions + " (version) VALUES (1), (2), (3), (4)");
    }
  }

  /** Work on the connection, under this store's lock; a failure says it was doing {@code what}. */
  private synchronized <T> T use(String what, ReconnectingConnection.Work<T> work) {
    try {
      return connection.use(work);
    } catch (SQLException e) {
      throw failed(what, e);
    }
  }

  /** A read: as {@link #use}, tried once more on a new connection if the first one was broken. */
  private synchronized <T> T read(String what, ReconnectingConnection.Work<T> work) {
    try {
      return connection.read(work);
    } catch (SQLException e) {
      throw failed(what, e);
    }
  }

  /** A write: one transaction, which the fence checks first. */
  private <T> T write(String what, ReconnectingConnection.Work<T> work) {
    return use(
        what,
        c -> {
          c.setAutoCommit(false);
          fence.check(c);
          T result = work.run(c);
          c.commit();
          c.setAutoCommit(true);
          return result;
        });
  }

  @Override
  public void fence(long epoch) {
    use("fence at epoch " + epoch, c -> fence.raise(c, epoch));
  }

  @Override
  public List<MemberView> members() {
    return read(
        "read the members",
        c ->
            Rows.list(
                c,
                "SELECT * FROM members ORDER BY did",
                rs ->
                    new MemberView(
                        rs.getString("did"),
                        rs.getString("endpoint"),
                        MemberSource.valueOf(rs.getString("source")),
                        MemberState.valueOf(rs.getString("state")),
                        new MemberLoad(
                            rs.getInt("cpu_cores"),
                            rs.getLong("ram_mb"),
                            rs.getInt("task_slots"),
                            0,
                            0),
                        rs.getString("engine_version"),
                        rs.getLong("joined_at"),
                        rs.getLong("last_heartbeat_at"),
                        rs.getLong("left_at"),
                        0)));
  }

  @Override
  public void record(MemberView m, MemberState from, String reason, long at) {
    write(
        "journal " + m.did() + " as " + m.state(),
        c -> {
          Rows.update(
              c,
              "INSERT INTO members (did, endpoint, source, state, engine_version, cpu_cores,"
                  + " ram_mb, task_slots, joined_at, last_heartbeat_at, left_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT(did) DO UPDATE SET endpoint = excluded.endpoint,"
                  + " state = excluded.state, engine_version = excluded.engine_version,"
                  + " cpu_cores = excluded.cpu_cores, ram_mb = excluded.ram_mb,"
                  + " task_slots = excluded.task_slots, joined_at = excluded.joined_at,"
                  + " last_heartbeat_at = excluded.last_heartbeat_at, left_at = excluded.left_at",
              m.did(),
              m.endpoint(),
              m.source().name(),
              m.state().name(),
              m.engineVersion(),
              m.load().cpuCores(),
              m.load().ramMb(),
              m.load().taskSlots(),
              m.joinedAt(),
              m.lastHeartbeatAt(),
              m.leftAt());
          return Rows.update(
              c,
              "INSERT INTO member_events (did, at, from_state, to_state, reason)"
                  + " VALUES (?, ?, ?, ?, ?)",
              m.did(),
              at,
              from == null ? null : from.name(),
              m.state().name(),
              reason);
        });
  }

  @Override
  public List<String> history(String did) {
    return read(
        "read the history of " + did,
        c ->
            Rows.list(
                c,
                "SELECT at, from_state, to_state, reason FROM member_events WHERE did = ?"
                    + " ORDER BY seq",
                rs -> {
                  String from = rs.getString("from_state");
                  return Instant.ofEpochMilli(rs.getLong("at"))
                      + " "
                      + (from == null ? "-" : from)
                      + " -> "
                      + rs.getString("to_state")
                      + ": "
                      + rs.getString("reason");
                },
                did));
  }

  @Override
  public void saveToken(JoinTokenRecord t) {
    write(
        "save join token " + t.id(),
        c ->
            Rows.update(
                c,
                "INSERT INTO join_tokens (id, secret_hash, created_at, expires_at, uses, uses_left,"
                    + " description, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                t.id(),
                t.secretHash(),
                t.createdAt(),
                t.expiresAt(),
                t.uses(),
                t.usesLeft(),
                t.description(),
                t.createdBy()));
  }

  @Override
  public Optional<JoinTokenRecord> token(String id) {
    return read(
        "read join token " + id,
        c ->
            Rows.first(
                c,
                "SELECT * FROM join_tokens WHERE id = ?",
                rs ->
                    new JoinTokenRecord(
                        rs.getString("id"),
                        rs.getBytes("secret_hash"),
                        rs.getLong("created_at"),
                        rs.getLong("expires_at"),
                        rs.getInt("uses"),
                        rs.getInt("uses_left"),
                        rs.getString("description"),
                        rs.getString("created_by")),
                id));
  }

  @Override
  public boolean spendToken(String id) {
    return write(
        "spend join token " + id,
        c ->
            Rows.update(
                    c,
                    "UPDATE join_tokens SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0",
                    id)
                == 1);
  }

  private MeshException failed(String what, SQLException e) {
    return MeshException.unavailable(
        "MEMBERSHIP_STORE_UNAVAILABLE",
        "cannot " + what + ": the membership journal " + database + ": " + e.getMessage(),
        e);
  }

  @Override
  public synchronized void close() {
    // Closing at shutdown: nothing is left to lose.
    connection.close();
  }

  @Override
  public String toString() {
    return "SqlMembershipStore[" + database + "]";
  }
}
