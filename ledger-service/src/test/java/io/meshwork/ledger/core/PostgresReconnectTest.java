package io.meshwork.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.ledger.store.PostgresLedgerStore;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.testing.postgres.LostAckProxy;
import io.meshwork.testing.postgres.TestPostgres;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ledger on PostgreSQL through what a running ledger meets: a commit whose acknowledgement is
 * lost (the connection breaks after the server committed), and the database restarting under load.
 * After either, the ledger takes requests again, a retry with the same request id is applied once,
 * and mana is conserved.
 */
class PostgresReconnectTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres postgres;

  @BeforeAll
  static void startPostgres() {
    postgres = TestPostgres.start();
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @Test
  void aLostCommitAcknowledgementDoesNotStopTheLedgerNorPayTwice() {
    String database = "reconnect_" + DATABASES.incrementAndGet();
    postgres.createDatabase(database);
    try (LostAckProxy proxy = LostAckProxy.to(postgres.port());
        PostgresLedgerStore store =
            PostgresLedgerStore.open(
                proxy.jdbcUrl(database), postgres.user(), postgres.password(), 64)) {
      ManaLedger ledger = ledger(store);
      ledger.mint("m1", "did:key:alice", 100, "");

      proxy.loseNextWriteCommitAck();
      MeshException lost =
          assertThrows(
              MeshException.class,
              () -> ledger.transfer("t1", "did:key:alice", "did:key:bob", 30, "job", ""));
      assertEquals(MeshException.Kind.UNAVAILABLE, lost.kind(), lost.getMessage());
      assertEquals(1, proxy.lostAcks());

      // The next request is taken (its entries do not collide with the ones the lost commit
      // wrote), and the retry of the lost one is a replay, not a second transfer.
      ledger.transfer("t2", "did:key:alice", "did:key:bob", 5, "job", "");
      ledger.transfer("t1", "did:key:alice", "did:key:bob", 30, "job", "");
      assertEquals(35, ledger.account("did:key:bob").balance());
      assertEquals(65, ledger.account("did:key:alice").balance());
      assertEquals(List.of(), ledger.audit().violations());
    }
  }

  @Test
  void theLedgerTakesRequestsAgainAfterTheDatabaseRestartsUnderLoad() throws Exception {
    String url = postgres.createDatabase("reconnect_" + DATABASES.incrementAndGet());
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    AtomicBoolean restarted = new AtomicBoolean();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch underLoad = new CountDownLatch(20);
    try (PostgresLedgerStore store =
        PostgresLedgerStore.open(url, postgres.user(), postgres.password(), 64)) {
      ManaLedger ledger = ledger(store);
      List<Future<long[]>> running = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String account = "did:key:writer" + w;
        running.add(
            pool.submit(
                () -> {
                  // Each writer mints and pays into a shared account until well after the restart,
                  // retrying what failed with the same request id, as the orchestrator does.
                  long minted = 0;
                  long paid = 0;
                  int afterRestart = 0;
                  for (int n = 0; afterRestart < 15; n++) {
                    long amount = n + 1;
                    String id = account + "-" + n;
                    retry(refused, () -> ledger.mint("mint-" + id, account, amount, ""));
                    minted += amount;
                    retry(
                        refused,
                        () -> ledger.transfer("pay-" + id, account, "did:key:pool", 1, "", ""));
                    paid++;
                    underLoad.countDown();
                    if (restarted.get()) {
                      afterRestart++;
                    }
                  }
                  return new long[] {minted, paid};
                }));
      }
      assertTrue(underLoad.await(60, TimeUnit.SECONDS));
      postgres.restart();
      restarted.set(true);
      long paidIn = 0;
      for (int w = 0; w < writers; w++) {
        long[] done = running.get(w).get(120, TimeUnit.SECONDS);
        assertEquals(done[0] - done[1], ledger.account("did:key:writer" + w).balance());
        paidIn += done[1];
      }
      assertTrue(refused.get() > 0, "the restart was felt");
      assertEquals(paidIn, ledger.account("did:key:pool").balance(), "each payment once");
      assertEquals(List.of(), ledger.audit().violations());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Runs {@code call} until it is not refused as UNAVAILABLE, for at most a minute. */
  private static void retry(AtomicInteger refused, Supplier<?> call) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        call.get();
        return;
      } catch (MeshException e) {
        if (e.kind() != MeshException.Kind.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        refused.incrementAndGet();
        Thread.sleep(20);
      }
    }
  }

  private static ManaLedger ledger(PostgresLedgerStore store) {
    return new ManaLedger(
        store, Clock.systemUTC(), ManaLedger.Options.defaults(), LedgerObserver.none());
  }
}
