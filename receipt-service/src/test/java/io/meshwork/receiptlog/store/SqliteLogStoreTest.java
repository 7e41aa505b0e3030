package io.meshwork.receiptlog.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store: the store contract, plus its durability settings and migrations. */
class SqliteLogStoreTest extends LogStoreContract {
  @TempDir Path dir;

  @Override
  LogStore open() {
    return SqliteLogStore.open(dir.resolve("receipts.db"));
  }

  @Test
  void usesWalAndRecordsMigrations() throws Exception {
    Path file = dir.resolve("receipts.db");
    SqliteLogStore.open(file).close();
    SqliteLogStore.open(file).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        assertEquals("wal", rs.getString(1));
      }
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*), MAX(version) FROM schema_migrations")) {
        rs.next();
        assertEquals(3, rs.getInt(1));
        assertEquals(3, rs.getInt(2));
      }
    }
  }
}
