package io.meshwork.orchestrator.store;

import io.meshwork.testing.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for the journal tests of this JVM, started on first use and stopped
 * when the JVM exits, with an empty schema of one database for each test: a schema costs nothing to
 * make, where a database is a copy of its template, and the journal's tables land in the schema the
 * URL names ({@code currentSchema}) as they would in a database of their own.
 */
final class JournalPostgres {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static TestPostgres server;
  private static String database;

  private JournalPostgres() {}

  /** The server. */
  static synchronized TestPostgres server() {
    if (server == null) {
      // TestPostgres stops it from its own shutdown hook.
      server = TestPostgres.start();
      database = server.createDatabase("journal");
    }
    return server;
  }

  /** A new, empty place for a journal on the server. */
  static JournalDatabase.Postgres freshDatabase() {
    TestPostgres pg = server();
    String schema = "journal_" + SCHEMAS.incrementAndGet();
    try (Connection c = DriverManager.getConnection(database, pg.user(), pg.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the schema " + schema, e);
    }
    return new JournalDatabase.Postgres(
        database + "?currentSchema=" + schema, pg.user(), pg.password());
  }

  /**
   * Ends every session on the tests' database from the server's side, as a restart or a failover
   * does, and returns once they are gone.
   */
  static void dropConnections() throws SQLException, InterruptedException {
    TestPostgres pg = server();
    String name = "journal";
    try (Connection admin =
        DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.user(), pg.password())) {
      try (PreparedStatement ps =
          admin.prepareStatement(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?")) {
        ps.setString(1, name);
        ps.executeQuery().close();
      }
      // The server ends the sessions after answering; wait until they are gone.
      try (PreparedStatement left =
          admin.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = ?")) {
        left.setString(1, name);
        for (int i = 0; i < 200; i++) {
          try (ResultSet rs = left.executeQuery()) {
            rs.next();
            if (rs.getInt(1) == 0) {
              return;
            }
          }
          Thread.sleep(50);
        }
      }
    }
    throw new AssertionError("the server kept the sessions of " + name);
  }
}
