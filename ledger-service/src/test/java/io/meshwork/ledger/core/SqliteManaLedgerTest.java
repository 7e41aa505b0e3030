package io.meshwork.ledger.core;

import io.meshwork.ledger.store.SqliteLedgerStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's suite on the SQLite store. */
class SqliteManaLedgerTest extends ManaLedgerTest {
  @TempDir Path dir;

  @Override
  LedgerStore openStore() {
    return SqliteLedgerStore.inDirectory(dir);
  }

  @Override
  void tamper(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }
}
