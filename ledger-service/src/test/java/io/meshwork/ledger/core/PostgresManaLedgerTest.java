package io.meshwork.ledger.core;

import io.meshwork.ledger.store.PostgresLedgerStore;
import io.meshwork.testing.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ledger's suite on the PostgreSQL store, against a real server; a database per test. */
class PostgresManaLedgerTest extends ManaLedgerTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres postgres;
  private String url;

  @BeforeAll
  static void startServer() {
    postgres = TestPostgres.start();
  }

  @AfterAll
  static void stopServer() {
    postgres.close();
  }

  // The suite opens the store in its own @BeforeEach and again to test reopening; the first open
  // of each test makes that test's database.
  @Override
  LedgerStore openStore() {
    if (url == null) {
      url = postgres.createDatabase("ledger_" + DATABASES.incrementAndGet());
    }
    return PostgresLedgerStore.open(url, postgres.user(), postgres.password(), 512);
  }

  @Override
  void tamper(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }
}
