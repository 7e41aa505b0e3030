package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.membership.JoinTokenRecord;
import io.meshwork.orchestrator.membership.MemberLoad;
import io.meshwork.orchestrator.membership.MemberSource;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.orchestrator.membership.MembershipStore;
import io.meshwork.runtime.errors.MeshException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
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
  private final JournalConnection connection;

  /** Opens (creating and migrating) the membership journal in {@code database}. */
  public SqlMembershipStore(JournalDatabase database) {
    this.database = database;
    JournalConnection opened = null;
    try {
      opened = new JournalConnection(database, true);
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

  /** Work on the connection, inside a transaction or not. */
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** A read, on the connection in auto-commit mode. */
  private synchronized <T> T read(String what, Work<T> work) {
    try {
      return work.run(connection.get());
    } catch (SQLException e) {
      connection.recover();
      throw failed(what, e);
    }
  }

  /** A write: one transaction, which the fence checks first. */
  private synchronized <T> T write(String what, Work<T> work) {
    try {
      Connection c = connection.get();
      c.setAutoCommit(false);
      fence.check(c);
      T result = work.run(c);
      c.commit();
      c.setAutoCommit(true);
      return result;
    } catch (SQLException e) {
      connection.recover();
      throw failed(what, e);
    } catch (RuntimeException e) {
      connection.recover();
      throw e;
    }
  }

  @Override
  public synchronized void fence(long epoch) {
    try {
      fence.raise(connection.get(), epoch);
    } catch (SQLException e) {
      connection.recover();
      throw failed("fence at epoch " + epoch, e);
    }
  }

  @Override
  public List<MemberView> members() {
    return read(
        "read the members",
        c -> {
          List<MemberView> out = new ArrayList<>();
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT * FROM members ORDER BY did")) {
            while (rs.next()) {
              out.add(
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
                      0));
            }
          }
          return out;
        });
  }

  @Override
  public void record(MemberView m, MemberState from, String reason, long at) {
    write(
        "journal " + m.did() + " as " + m.state(),
        c -> {
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO members (did, endpoint, source, state, engine_version, cpu_cores,"
                      + " ram_mb, task_slots, joined_at, last_heartbeat_at, left_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT(did) DO UPDATE SET endpoint = excluded.endpoint,"
                      + " state = excluded.state, engine_version = excluded.engine_version,"
                      + " cpu_cores = excluded.cpu_cores, ram_mb = excluded.ram_mb,"
                      + " task_slots = excluded.task_slots, joined_at = excluded.joined_at,"
                      + " last_heartbeat_at = excluded.last_heartbeat_at,"
                      + " left_at = excluded.left_at")) {
            p.setString(1, m.did());
            p.setString(2, m.endpoint());
            p.setString(3, m.source().name());
            p.setString(4, m.state().name());
            p.setString(5, m.engineVersion());
            p.setInt(6, m.load().cpuCores());
            p.setLong(7, m.load().ramMb());
            p.setInt(8, m.load().taskSlots());
            p.setLong(9, m.joinedAt());
            p.setLong(10, m.lastHeartbeatAt());
            p.setLong(11, m.leftAt());
            p.executeUpdate();
          }
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO member_events (did, at, from_state, to_state, reason)"
                      + " VALUES (?, ?, ?, ?, ?)")) {
            p.setString(1, m.did());
            p.setLong(2, at);
            p.setString(3, from == null ? null : from.name());
            p.setString(4, m.state().name());
            p.setString(5, reason);
            return p.executeUpdate();
          }
        });
  }

  @Override
  public List<String> history(String did) {
    return read(
        "read the history of " + did,
        c -> {
          List<String> out = new ArrayList<>();
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT at, from_state, to_state, reason FROM member_events WHERE did = ?"
                      + " ORDER BY seq")) {
            p.setString(1, did);
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                String from = rs.getString("from_state");
                out.add(
                    Instant.ofEpochMilli(rs.getLong("at"))
                        + " "
                        + (from == null ? "-" : from)
                        + " -> "
                        + rs.getString("to_state")
                        + ": "
                        + rs.getString("reason"));
              }
            }
          }
          return out;
        });
  }

  @Override
  public void saveToken(JoinTokenRecord t) {
    write(
        "save join token " + t.id(),
        c -> {
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO join_tokens (id, secret_hash, created_at, expires_at, uses,"
                      + " uses_left, description, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, t.id());
            p.setBytes(2, t.secretHash());
            p.setLong(3, t.createdAt());
            p.setLong(4, t.expiresAt());
            p.setInt(5, t.uses());
            p.setInt(6, t.usesLeft());
            p.setString(7, t.description());
            p.setString(8, t.createdBy());
            return p.executeUpdate();
          }
        });
  }

  @Override
  public Optional<JoinTokenRecord> token(String id) {
    return read(
        "read join token " + id,
        c -> {
          try (PreparedStatement p = c.prepareStatement("SELECT * FROM join_tokens WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new JoinTokenRecord(
                      rs.getString("id"),
                      rs.getBytes("secret_hash"),
                      rs.getLong("created_at"),
                      rs.getLong("expires_at"),
                      rs.getInt("uses"),
                      rs.getInt("uses_left"),
                      rs.getString("description"),
                      rs.getString("created_by")));
            }
          }
        });
  }

  @Override
  public boolean spendToken(String id) {
    return write(
        "spend join token " + id,
        c -> {
          try (PreparedStatement p =
              c.prepareStatement(
                  "UPDATE join_tokens SET uses_left = uses_left - 1"
                      + " WHERE id = ? AND uses_left > 0")) {
            p.setString(1, id);
            return p.executeUpdate() == 1;
          }
        });
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
