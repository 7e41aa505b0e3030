package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receiptlog.store.PostgresLogStore;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.testing.postgres.LostAckProxy;
import io.meshwork.testing.postgres.TestPostgres;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The receipt log on PostgreSQL through what a running log meets: a commit whose acknowledgement is
 * lost (the connection breaks after the server committed), and the database restarting under load.
 * After either, the log takes receipts again, and its tree is exactly what the database holds:
 * every receipt once, the signed root over all of them.
 */
class PostgresReconnectTest {
  private static final String ORCHESTRATOR = Identity.generate().did();
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres postgres;

  private final Identity logKey = Identity.generate();
  private final Identity executor = Identity.generate();

  @BeforeAll
  static void startPostgres() {
    postgres = TestPostgres.start();
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @Test
  void aLostCommitAcknowledgementDoesNotStopTheLog() throws Exception {
    String database = "reconnect_" + DATABASES.incrementAndGet();
    postgres.createDatabase(database);
    try (LostAckProxy proxy = LostAckProxy.to(postgres.port());
        PostgresLogStore store =
            PostgresLogStore.open(proxy.jdbcUrl(database), postgres.user(), postgres.password());
        ReceiptLog log = open(store)) {
      anchor(log, "t0", "t1", "t2");

      proxy.loseNextWriteCommitAck();
      MeshException lost = assertThrows(MeshException.class, () -> anchor(log, "t3", "t4"));
      assertEquals(MeshException.Kind.UNAVAILABLE, lost.kind(), lost.getMessage());
      assertEquals(1, proxy.lostAcks());
      // The commit landed: the next append continues after it, instead of being refused for not
      // continuing the log.
      assertEquals(5, anchor(log, "t5").get(0).getLogIndex());
      // The caller's retry finds its receipts where the lost commit put them.
      List<ExecutionReceiptAvailableV1> retried = anchor(log, "t3", "t4");
      assertEquals(List.of(3L, 4L), retried.stream().map(a -> a.getLogIndex()).toList());
      assertEquals(6, log.treeSize());
      assertTreeIsTheDatabase(log, 6);
      MerkleProofs.verifyConsistency(
          3,
          6,
          log.checkpoints().get(1).rootHash(),
          log.latestCheckpoint().rootHash(),
          log.consistencyProof(3, 6).path());
    }
  }

  @Test
  void theLogTakesReceiptsAgainAfterTheDatabaseRestartsUnderLoad() throws Exception {
    String url = postgres.createDatabase("reconnect_" + DATABASES.incrementAndGet());
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    AtomicBoolean restarted = new AtomicBoolean();
    AtomicInteger anchored = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch underLoad = new CountDownLatch(20);
    Map<String, Long> indexes = new ConcurrentHashMap<>();
    try (PostgresLogStore store = PostgresLogStore.open(url, postgres.user(), postgres.password());
        ReceiptLog log = open(store)) {
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        running.add(
            pool.submit(
                () -> {
                  // Each writer anchors until well after the restart, retrying what failed with
                  // the same receipt, as the orchestrator does.
                  int afterRestart = 0;
                  for (int n = 0; afterRestart < 15; n++) {
                    String task = "w" + writer + "-" + n;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (true) {
                      try {
                        indexes.put(task, anchor(log, task).get(0).getLogIndex());
                        break;
                      } catch (MeshException e) {
                        if (e.kind() != MeshException.Kind.UNAVAILABLE
                            || System.nanoTime() > deadline) {
                          throw e;
                        }
                        refused.incrementAndGet();
                        Thread.sleep(20);
                      }
                    }
                    anchored.incrementAndGet();
                    underLoad.countDown();
                    if (restarted.get()) {
                      afterRestart++;
                    }
                  }
                  return null;
                }));
      }
      assertTrue(underLoad.await(60, TimeUnit.SECONDS));
      postgres.restart();
      restarted.set(true);
      for (Future<?> f : running) {
        f.get(120, TimeUnit.SECONDS);
      }

      assertTrue(refused.get() > 0, "the restart was felt");
      int total = anchored.get();
      assertEquals(total, indexes.size());
      assertEquals(total, new HashSet<>(indexes.values()).size(), "one index per receipt");
      assertEquals(total, log.treeSize());
      assertTreeIsTheDatabase(log, total);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The signed root is the root over every leaf the database holds, each receipt once. */
  private static void assertTreeIsTheDatabase(ReceiptLog log, long size) {
    List<byte[]> leaves = new ArrayList<>();
    for (long from = 0; from < size; from += 1000) {
      leaves.addAll(log.leaves(from, 1000, size));
    }
    assertEquals(size, leaves.size());
    Set<String> distinct = new HashSet<>();
    List<byte[]> hashes = new ArrayList<>();
    for (byte[] leaf : leaves) {
      distinct.add(java.util.HexFormat.of().formatHex(leaf));
      hashes.add(MerkleHash.leaf(leaf));
    }
    assertEquals(size, distinct.size(), "no receipt twice");
    assertArrayEquals(MerkleHash.root(hashes), log.latestCheckpoint().rootHash());
  }

  private ReceiptLog open(PostgresLogStore store) {
    return ReceiptLog.open(
        store,
        logKey,
        "test/receipts",
        did -> did.equals(executor.did()),
        Clock.systemUTC(),
        ServiceMetrics.none());
  }

  private List<ExecutionReceiptAvailableV1> anchor(ReceiptLog log, String... tasks) {
    List<ExecutionReceipt> receipts = new ArrayList<>();
    for (String task : tasks) {
      receipts.add(TestReceipts.signed(executor, "job", task));
    }
    return log.anchor(ORCHESTRATOR, receipts);
  }
}
