package io.meshwork.testing.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The test server starts, serves databases durably and leaves nothing behind. */
class TestPostgresTest {

  @Test
  void aServerCreatesDatabasesThatKeepWhatIsCommitted() throws Exception {
    Path base;
    try (TestPostgres pg = TestPostgres.start()) {
      base = pg.baseDirectory();
      String url = pg.createDatabase("selftest_one");
      assertEquals(pg.jdbcUrl("selftest_one"), url);
      assertTrue(url.contains(":" + pg.port() + "/"));
      pg.createDatabase("selftest_two");

      try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password());
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)");
        s.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
          rs.next();
          assertEquals(2, rs.getInt(1));
        }
        // The tests that use this server check durability: fsync must be on.
        assertEquals("on", setting(s, "fsync"));
        assertEquals("on", setting(s, "synchronous_commit"));
        assertEquals("UTF8", setting(s, "server_encoding"));
      }
      // The second database is separate from the first.
      try (Connection c =
              DriverManager.getConnection(pg.jdbcUrl("selftest_two"), pg.user(), pg.password());
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT COUNT(*) FROM information_schema.tables WHERE table_name='t'")) {
        rs.next();
        assertEquals(0, rs.getInt(1));
      }
      // The password is checked over TCP.
      assertThrows(
          Exception.class, () -> DriverManager.getConnection(url, pg.user(), "not-the-password"));
      assertThrows(IllegalArgumentException.class, () -> pg.createDatabase("Bad-Name"));
      // Never as root: PostgreSQL would refuse, so the server must run as someone else.
      long uid =
          ((Number) Files.getAttribute(Path.of("/proc/" + pg.serverProcess().pid()), "unix:uid"))
              .longValue();
      assertNotEquals(0L, uid);
    }
    assertFalse(Files.exists(base), "close deletes the cluster");
  }

  @Test
  void twoServersRunSideBySide() throws Exception {
    try (TestPostgres a = TestPostgres.start();
        TestPostgres b = TestPostgres.start()) {
      assertNotEquals(a.port(), b.port());
      a.createDatabase("side");
      b.createDatabase("side");
    }
  }

  @Test
  void aRestartBreaksConnectionsAndKeepsWhatWasCommittedOnTheSamePort() throws Exception {
    try (TestPostgres pg = TestPostgres.start()) {
      String url = pg.createDatabase("restarts");
      int port = pg.port();
      try (Connection before = DriverManager.getConnection(url, pg.user(), pg.password());
          Statement s = before.createStatement()) {
        s.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)");
        s.execute("INSERT INTO t VALUES (1)");

        pg.restart();

        SQLException broken = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
        assertTrue(broken.getSQLState().startsWith("08") || broken.getSQLState().equals("57P01"));
      }
      assertEquals(port, pg.port());
      pg.stopServer();
      assertThrows(
          SQLException.class, () -> DriverManager.getConnection(url, pg.user(), pg.password()));
      pg.startServer();
      try (Connection after = DriverManager.getConnection(url, pg.user(), pg.password());
          Statement s = after.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
        rs.next();
        assertEquals(1, rs.getInt(1));
      }
    }
  }

  @Test
  void theProxyLosesTheAcknowledgementOfTheNextCommitThatWroteAndNothingElse() throws Exception {
    try (TestPostgres pg = TestPostgres.start();
        LostAckProxy proxy = LostAckProxy.to(pg.port())) {
      pg.createDatabase("acks");
      String url = proxy.jdbcUrl("acks");
      try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password());
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)");
      }
      try (Connection reader = DriverManager.getConnection(url, pg.user(), pg.password());
          Connection writer = DriverManager.getConnection(url, pg.user(), pg.password())) {
        reader.setAutoCommit(false);
        writer.setAutoCommit(false);
        proxy.loseNextWriteCommitAck();
        // A read-only transaction's commit goes through untouched.
        try (Statement s = reader.createStatement();
            ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
          rs.next();
        }
        reader.commit();
        // More than pgjdbc's default prepare threshold, so the proxy must still see the text.
        try (PreparedStatement ps = writer.prepareStatement("INSERT INTO t VALUES (?)")) {
          for (int i = 0; i < 8; i++) {
            ps.setLong(1, i);
            ps.executeUpdate();
          }
        }
        assertTrue(proxy.armed());
        SQLException lost = assertThrows(SQLException.class, writer::commit);
        assertTrue(lost.getSQLState().startsWith("08"), lost.getSQLState());
        assertEquals(1, proxy.lostAcks());
        assertFalse(proxy.armed());
      }
      // Committed nevertheless, and the proxy passes new connections as before.
      try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
        rs.next();
        assertEquals(8, rs.getInt(1));
      }
    }
  }

  private static String setting(Statement s, String name) throws Exception {
    try (ResultSet rs = s.executeQuery("SHOW " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
