package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.membership.JoinTokenRecord;
import io.meshwork.orchestrator.membership.MemberLoad;
import io.meshwork.orchestrator.membership.MemberSource;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.orchestrator.membership.MembershipStore;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.SchemaMigrations;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Membership's journal in a SQLite file of its own: each member's current row, the history of its
 * states, and the join tokens (their secrets' hashes only). Writes happen on changes of state, not
 * on heartbeats, so one connection under a lock is plenty.
 */
public final class SqliteMembershipStore implements MembershipStore {
  private static final List<SchemaMigrations.Migration> MIGRATIONS =
      List.of(
          new SchemaMigrations.Migration(
              1,
              "members, their history and join tokens",
              List.of(
                  """
                  CREATE TABLE members (
                    did TEXT PRIMARY KEY,
                    endpoint TEXT NOT NULL,
                    source TEXT NOT NULL,
                    state TEXT NOT NULL,
                    engine_version TEXT NOT NULL,
                    cpu_cores INTEGER NOT NULL,
                    ram_mb INTEGER NOT NULL,
                    task_slots INTEGER NOT NULL,
                    joined_at INTEGER NOT NULL,
                    last_heartbeat_at INTEGER NOT NULL,
                    left_at INTEGER NOT NULL)
                  """,
                  """
                  CREATE TABLE member_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    did TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    reason TEXT NOT NULL)
                  """,
                  "CREATE INDEX member_events_by_did ON member_events(did, seq)",
                  """
                  CREATE TABLE join_tokens (
                    id TEXT PRIMARY KEY,
                    secret_hash BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    uses INTEGER NOT NULL,
                    uses_left INTEGER NOT NULL,
                    description TEXT NOT NULL,
                    created_by TEXT NOT NULL)
                  """)));

  private final Path file;
  private final Connection connection;

  /** Opens (creating and migrating) the journal at {@code file}. */
  public SqliteMembershipStore(Path file) {
    this.file = file;
    try {
      connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
      }
      SchemaMigrations.apply(connection, MIGRATIONS);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot open the membership journal " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized List<MemberView> members() {
    List<MemberView> out = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM members ORDER BY did")) {
      while (rs.next()) {
        out.add(
            new MemberView(
                rs.getString("did"),
                rs.getString("endpoint"),
                MemberSource.valueOf(rs.getString("source")),
                MemberState.valueOf(rs.getString("state")),
                new MemberLoad(
                    rs.getInt("cpu_cores"), rs.getLong("ram_mb"), rs.getInt("task_slots"), 0, 0),
                rs.getString("engine_version"),
                rs.getLong("joined_at"),
                rs.getLong("last_heartbeat_at"),
                rs.getLong("left_at"),
                0));
      }
      return out;
    } catch (SQLException e) {
      throw failed("read the members", e);
    }
  }

  @Override
  public synchronized void record(MemberView m, MemberState from, String reason, long at) {
    try {
      connection.setAutoCommit(false);
      try (PreparedStatement p =
          connection.prepareStatement(
              "INSERT INTO members (did, endpoint, source, state, engine_version, cpu_cores,"
                  + " ram_mb, task_slots, joined_at, last_heartbeat_at, left_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT(did) DO UPDATE SET endpoint = excluded.endpoint,"
                  + " state = excluded.state, engine_version = excluded.engine_version,"
                  + " cpu_cores = excluded.cpu_cores, ram_mb = excluded.ram_mb,"
                  + " task_slots = excluded.task_slots, joined_at = excluded.joined_at,"
                  + " last_heartbeat_at = excluded.last_heartbeat_at, left_at = excluded.left_at")) {
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
          connection.prepareStatement(
              "INSERT INTO member_events (did, at, from_state, to_state, reason)"
                  + " VALUES (?, ?, ?, ?, ?)")) {
        p.setString(1, m.did());
        p.setLong(2, at);
        p.setString(3, from == null ? null : from.name());
        p.setString(4, m.state().name());
        p.setString(5, reason);
        p.executeUpdate();
      }
      connection.commit();
    } catch (SQLException e) {
      rollback();
      throw failed("journal " + m.did() + " as " + m.state(), e);
    } finally {
      autoCommit();
    }
  }

  @Override
  public synchronized List<String> history(String did) {
    List<String> out = new ArrayList<>();
    try (PreparedStatement p =
        connection.prepareStatement(
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
      return out;
    } catch (SQLException e) {
      throw failed("read the history of " + did, e);
    }
  }

  @Override
  public synchronized void saveToken(JoinTokenRecord t) {
    try (PreparedStatement p =
        connection.prepareStatement(
            "INSERT INTO join_tokens (id, secret_hash, created_at, expires_at, uses, uses_left,"
                + " description, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      p.setString(1, t.id());
      p.setBytes(2, t.secretHash());
      p.setLong(3, t.createdAt());
      p.setLong(4, t.expiresAt());
      p.setInt(5, t.uses());
      p.setInt(6, t.usesLeft());
      p.setString(7, t.description());
      p.setString(8, t.createdBy());
      p.executeUpdate();
    } catch (SQLException e) {
      throw failed("save join token " + t.id(), e);
    }
  }

  @Override
  public synchronized Optional<JoinTokenRecord> token(String id) {
    try (PreparedStatement p =
        connection.prepareStatement("SELECT * FROM join_tokens WHERE id = ?")) {
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
    } catch (SQLException e) {
      throw failed("read join token " + id, e);
    }
  }

  @Override
  public synchronized boolean spendToken(String id) {
    try (PreparedStatement p =
        connection.prepareStatement(
            "UPDATE join_tokens SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0")) {
      p.setString(1, id);
      return p.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failed("spend join token " + id, e);
    }
  }

  private void rollback() {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // The failure being reported matters more.
    }
  }

  private void autoCommit() {
    try {
      connection.setAutoCommit(true);
    } catch (SQLException ignored) {
      // Only a closed connection fails here; the next use reports it.
    }
  }

  private MeshException failed(String what, SQLException e) {
    return MeshException.unavailable(
        "MEMBERSHIP_STORE_UNAVAILABLE",
        "cannot " + what + ": the membership journal " + file + ": " + e.getMessage(),
        e);
  }

  /**
   * Nothing to fence: a SQLite file belongs to one orchestrator process, so no deposed replica
   * writes to it. The shared journal (PostgreSQL) is where epochs are kept.
   */
  @Override
  public void fence(long epoch) {}

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing at shutdown: nothing is left to lose.
    }
  }
}
