package io.meshwork.orchestrator.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * Where a journal lives, and all that differs between the two databases it may live in: how a
 * connection is opened, the column types of its tables, and how processes that start at once take
 * turns at bringing the schema up to date. The journals' queries are the same on both.
 */
public sealed interface JournalDatabase {
  /** The journal in a SQLite file (WAL, synchronous commits), the default on one machine. */
  static JournalDatabase sqlite(Path file) {
    return new SqliteFile(file);
  }

  /**
   * The journal in a PostgreSQL database ({@code jdbc:postgresql://HOST:PORT/DATABASE}), which
   * orchestrator replicas share.
   */
  static JournalDatabase postgres(String url, String user, String password) {
    return new Postgres(url, user, password);
  }

  /** Opens a new connection, in auto-commit mode. */
  Connection connect() throws SQLException;

  /**
   * {@code statement} with its column types filled in: {@code {int}} a 64-bit integer, {@code
   * {bytes}} a byte string, {@code {serial}} an increasing integer primary key.
   */
  String ddl(String statement);

  /**
   * Runs {@code migration} on {@code c} while no other process migrates the same database: two
   * replicas that start at once on a new database would otherwise both create its tables.
   */
  void migrate(Connection c, Migration migration) throws SQLException;

  /**
   * Gives the space of deleted rows of {@code tables} back, on {@code c} in auto-commit mode: after
   * a journal's retention removed what expired, so that its files do not keep the high-water mark
   * of its busiest day.
   */
  void reclaim(Connection c, java.util.List<String> tables) throws SQLException;

  private static String typed(String statement, String integer, String bytes, String serial) {
    return statement
        .replace("{int}", integer)
        .replace("{bytes}", bytes)
        .replace("{serial}", serial);
  }

  /** Brings a journal's schema up to date. */
  interface Migration {
    void run(Connection c) throws SQLException;
  }

  /** The SQLite file. */
  record SqliteFile(Path file) implements JournalDatabase {
    @Override
    public Connection connect() throws SQLException {
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        // synchronous is per connection; FULL makes every commit durable, not just consistent.
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      return c;
    }

    @Override
    public String ddl(String statement) {
      // SQLite's INTEGER is 64 bits wide, and an INTEGER PRIMARY KEY is the row id.
      return typed(statement, "INTEGER", "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT");
    }

    @Override
    public void migrate(Connection c, Migration migration) throws SQLException {
      // One orchestrator opens its file; the migration's own transactions are lock enough.
      migration.run(c);
    }

    @Override
    public void reclaim(Connection c, java.util.List<String> tables) throws SQLException {
      // SQLite reuses the pages of deleted rows for new ones, so the file only stays at its
      // largest; VACUUM (a rewrite of the whole file) is worth its cost once a quarter is free.
      // The WAL is truncated after, or it keeps the size of the largest burst of writes.
      try (Statement s = c.createStatement()) {
        long free = single(s, "PRAGMA freelist_count");
        long pages = single(s, "PRAGMA page_count");
        if (free * 4 > pages) {
          s.execute("VACUUM");
        }
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
    }

    private static long single(Statement s, String sql) throws SQLException {
      try (java.sql.ResultSet rs = s.executeQuery(sql)) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }

    @Override
    public String toString() {
      return file.toString();
    }
  }

  /** The PostgreSQL database; its password is never part of a message. */
  record Postgres(String url, String user, String password) implements JournalDatabase {
    // Any number unlikely to be another lock on the same server: "meshjrnl" in ASCII.
    private static final long SCHEMA_LOCK = 0x6d6573686a726e6cL;

    @Override
    public Connection connect() throws SQLException {
      Properties props = new Properties();
      // Keep-alives notice a peer that vanished (a failed-over server) on an idle connection.
      // A replica frozen inside a transaction (a stopped process, a paused VM) keeps its socket
      // open and its row locks held, and the new leader's fence would wait behind them for ever:
      // the server ends such a session after 10 s. The journal's transactions are short writes
      // that never wait on anything else while open, so no live replica comes near that.
      props.putAll(
          Map.of(
              "user", user,
              "password", password,
              "connectTimeout", "10",
              "tcpKeepAlive", "true",
              "ApplicationName", "meshwork-orchestrator",
              "options", "-c idle_in_transaction_session_timeout=10s"));
      return DriverManager.getConnection(url, props);
    }

    @Override
    public String ddl(String statement) {
      return typed(statement, "BIGINT", "BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY");
    }

    @Override
    public void migrate(Connection c, Migration migration) throws SQLException {
      // A session lock: it outlives the migration's transactions, and goes with the connection
      // if this process dies halfway.
      advisory(c, "SELECT pg_advisory_lock(?)");
      try {
        migration.run(c);
      } finally {
        advisory(c, "SELECT pg_advisory_unlock(?)");
      }
    }

    @Override
    public void reclaim(Connection c, java.util.List<String> tables) throws SQLException {
      // A plain VACUUM marks the dead rows' space reusable without locking out writers (FULL
      // would); autovacuum does the same eventually, this does it right after a large delete.
      try (Statement s = c.createStatement()) {
        s.execute("VACUUM (ANALYZE) " + String.join(", ", tables));
      }
    }

    private static void advisory(Connection c, String sql) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setLong(1, SCHEMA_LOCK);
        ps.executeQuery().close();
      }
    }

    @Override
    public String toString() {
      return url;
    }
  }
}
