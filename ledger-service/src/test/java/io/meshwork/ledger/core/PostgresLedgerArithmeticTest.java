package io.meshwork.ledger.core;

import io.meshwork.ledger.store.PostgresLedgerStore;
import io.meshwork.testing.postgres.TestPostgres;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The arithmetic suite on the PostgreSQL store, against a real server; a database per test. */
class PostgresLedgerArithmeticTest extends LedgerArithmeticTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres postgres;

  @BeforeAll
  static void startServer() {
    postgres = TestPostgres.start();
  }

  @AfterAll
  static void stopServer() {
    postgres.close();
  }

  @Override
  LedgerStore openStore() {
    String url = postgres.createDatabase("arithmetic_" + DATABASES.incrementAndGet());
    return PostgresLedgerStore.open(url, postgres.user(), postgres.password(), 512);
  }
}
