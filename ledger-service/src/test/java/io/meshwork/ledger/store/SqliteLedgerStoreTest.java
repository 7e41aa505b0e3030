package io.meshwork.ledger.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.ledger.core.Account;
import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.HistoryEntry;
import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.LedgerObserver;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.core.RecordedRequest;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.SchemaMigrations;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store's durability settings, migrations and transactions. */
class SqliteLedgerStoreTest {
  @TempDir Path dir;

  @Test
  void theFileUsesWriteAheadLoggingAndFullSync() throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.inDirectory(dir)) {
      assertEquals(dir.resolve("ledger.db"), store.file());
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.file());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        assertEquals("wal", rs.getString(1));
      }
      // synchronous is per connection: ask the store's own; FULL is 2.
      assertEquals("2", store.writerPragma("synchronous"));
      assertEquals("1", store.writerPragma("foreign_keys"));
    }
  }

  @Test
  void migrationsRunOnceAndAreRecorded() throws Exception {
    SqliteLedgerStore.inDirectory(dir).close();
    SqliteLedgerStore.inDirectory(dir).close();

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"))) {
      assertEquals(SqliteLedgerStore.MIGRATIONS.size(), SchemaMigrations.currentVersion(c));
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM schema_migrations")) {
        rs.next();
        assertEquals(SqliteLedgerStore.MIGRATIONS.size(), rs.getInt(1));
      }
      assertEquals(0, SchemaMigrations.apply(c, SqliteLedgerStore.MIGRATIONS));
    }
  }

  @Test
  void aFailedWriteLeavesNothingBehind() {
    try (SqliteLedgerStore store = SqliteLedgerStore.inDirectory(dir)) {
      assertThrows(
          IllegalStateException.class,
          () ->
              store.write(
                  w -> {
                    w.insertAccount(new Account("did:key:a", 5, 0, 1));
                    w.recordRequest(new RecordedRequest("r1", "Mint", "f", "o", 1));
                    throw new IllegalStateException("boom");
                  }));

      assertTrue(store.read(r -> r.account("did:key:a")).isEmpty());
      assertTrue(store.read(r -> r.request("r1")).isEmpty());
      // The connection is usable again after the rollback.
      store.write(
          w -> {
            w.insertAccount(new Account("did:key:a", 0, 0, 1));
            return null;
          });
      assertEquals(0, store.read(r -> r.account("did:key:a")).orElseThrow().balance());
    }
  }

  @Test
  void entryIdsIncreaseAndHistoryFiltersByJob() {
    try (SqliteLedgerStore store = SqliteLedgerStore.inDirectory(dir)) {
      long[] ids =
          store.write(
              w -> {
                w.insertAccount(new Account("did:key:a", 0, 0, 1));
                long first = w.appendEntry(entry("job-1"));
                long second = w.appendEntry(entry("job-2"));
                long third = w.appendEntry(entry("job-1"));
                return new long[] {first, second, third};
              });

      assertTrue(ids[0] < ids[1] && ids[1] < ids[2]);
      assertEquals(
          ids[2], store.read(r -> r.history("did:key:a", "", Long.MAX_VALUE, 1)).get(0).entryId());
      assertEquals(2, store.read(r -> r.history("did:key:a", "job-1", Long.MAX_VALUE, 10)).size());
      assertEquals(
          ids[0], store.read(r -> r.history("did:key:a", "job-1", ids[2], 10)).get(0).entryId());
    }
  }

  @Test
  void aClosedStoreRefusesWork() {
    SqliteLedgerStore store = SqliteLedgerStore.inDirectory(dir);
    store.close();
    store.close();

    MeshException e = assertThrows(MeshException.class, () -> store.read(r -> r.account("x")));
    assertEquals(MeshException.Kind.UNAVAILABLE, e.kind());
  }

  @Test
  void aFailedCommitFailsItsWholeGroupAndTheNextStartsAgainFromTheDatabase() throws Exception {
    String alice = "did:key:alice";
    try (SqliteLedgerStore store = SqliteLedgerStore.inDirectory(dir)) {
      ManaLedger ledger =
          new ManaLedger(
              store, Clock.systemUTC(), ManaLedger.Options.defaults(), LedgerObserver.none());
      ledger.mint("m1", alice, 1_000, "");
      // The database refuses one entry when the group is written, after the ledger accepted the
      // operation in memory: the commit fails for the whole group.
      sql(
          "CREATE TRIGGER refuse_boom BEFORE INSERT ON entries WHEN NEW.memo = 'boom'"
              + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
      ManaLedger.Batch batch = ledger.batch();
      var fine = batch.createHold("h1", alice, 300, "job-1", Duration.ZERO, "");
      var boom = batch.createHold("h2", alice, 400, "job-2", Duration.ZERO, "boom");
      batch.submit();

      MeshException first = assertThrows(MeshException.class, () -> LedgerStore.await(fine));
      MeshException second = assertThrows(MeshException.class, () -> LedgerStore.await(boom));
      assertEquals(first.reason(), second.reason());

      // Nothing of the group is anywhere, in memory or on disk: the next writes see 1000 free.
      sql("DROP TRIGGER refuse_boom");
      assertEquals(0, ledger.account(alice).held());
      assertTrue(store.read(r -> r.request("h1")).isEmpty());
      Hold retried = ledger.createHold("h1", alice, 300, "job-1", Duration.ZERO, "");
      ledger.createHold("h2", alice, 700, "job-2", Duration.ZERO, "");
      assertEquals(1_000, ledger.account(alice).held());
      assertEquals(retried, ledger.createHold("h1", alice, 300, "job-1", Duration.ZERO, ""));
      ledger.audit().check();
    }
  }

  private void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private static HistoryEntry entry(String jobId) {
    return new HistoryEntry(
        0, "did:key:a", EntryKind.MINT, 1, 0, 1, 0, "mesh:mint", jobId, "", "", "", "", 1);
  }
}
