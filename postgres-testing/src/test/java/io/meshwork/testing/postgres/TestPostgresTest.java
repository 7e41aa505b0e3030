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
import java.sql.ResultSet;
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

  private static String setting(Statement s, String name) throws Exception {
    try (ResultSet rs = s.executeQuery("SHOW " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
