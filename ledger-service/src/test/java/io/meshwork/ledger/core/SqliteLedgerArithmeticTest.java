package io.meshwork.ledger.core;

import io.meshwork.ledger.store.SqliteLedgerStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The arithmetic suite on the SQLite store. */
class SqliteLedgerArithmeticTest extends LedgerArithmeticTest {
  @TempDir Path dir;

  @Override
  LedgerStore openStore() {
    return SqliteLedgerStore.inDirectory(dir);
  }
}
