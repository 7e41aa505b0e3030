package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MembershipStore;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.testing.postgres.LostAckProxy;
import io.meshwork.testing.postgres.TestPostgres;
import java.util.ArrayList;
import java.util.List;
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
 * The orchestrator's journals on PostgreSQL through what a running orchestrator meets: a commit
 * whose acknowledgement is lost (the connection breaks after the server committed), and the
 * database restarting under load. After either, the journals take writes again and hold each write
 * once. A server of its own, since this test restarts it.
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
  void aLostCommitAcknowledgementDoesNotStopTheJournals() {
    String name = "journal_" + DATABASES.incrementAndGet();
    postgres.createDatabase(name);
    try (LostAckProxy proxy = LostAckProxy.to(postgres.port())) {
      JournalStores journals =
          JournalStores.postgres(proxy.jdbcUrl(name), postgres.user(), postgres.password());
      try (JobStore jobs = journals.openJobs();
          MembershipStore members = journals.openMembership()) {
        jobs.insert(JobStoreContract.job("j1", JobState.PENDING, 1));

        proxy.loseNextWriteCommitAck();
        assertThrows(
            IllegalStateException.class,
            () -> jobs.update(JobStoreContract.job("j1", JobState.COMPUTING, 1)));
        assertEquals(1, proxy.lostAcks());
        // It landed, and the journal goes on; the retry of an insert that landed finds it there.
        assertEquals(JobState.COMPUTING, jobs.find("j1").orElseThrow().state());
        assertTrue(jobs.insert(JobStoreContract.job("j2", JobState.PENDING, 2)));
        jobs.saveTask(JobStoreContract.task("j2", 0, "execute"));
        proxy.loseNextWriteCommitAck();
        assertThrows(
            IllegalStateException.class,
            () -> jobs.saveTask(JobStoreContract.task("j2", 1, "execute")));
        jobs.saveTask(JobStoreContract.task("j2", 1, "execute"));
        assertEquals(2, jobs.tasks("j2").size());

        proxy.loseNextWriteCommitAck();
        MeshException lost =
            assertThrows(
                MeshException.class,
                () ->
                    members.record(
                        MembershipStoreContract.member("did:key:zA", MemberState.LIVE, 1),
                        null,
                        "joined",
                        1));
        assertEquals(MeshException.Kind.UNAVAILABLE, lost.kind());
        assertEquals(3, proxy.lostAcks());
        members.record(
            MembershipStoreContract.member("did:key:zB", MemberState.LIVE, 2), null, "joined", 2);
        assertEquals(
            List.of("did:key:zA", "did:key:zB"),
            members.members().stream().map(m -> m.did()).toList());

        // Fencing still works on the connections opened again.
        jobs.fence(1);
        members.fence(1);
        assertTrue(jobs.insert(JobStoreContract.job("j3", JobState.PENDING, 3)));
      }
    }
  }

  @Test
  void theJobJournalTakesWritesAgainAfterTheDatabaseRestartsUnderLoad() throws Exception {
    String url = postgres.createDatabase("journal_" + DATABASES.incrementAndGet());
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    AtomicBoolean restarted = new AtomicBoolean();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch underLoad = new CountDownLatch(20);
    try (JobStore jobs =
        JournalStores.postgres(url, postgres.user(), postgres.password()).openJobs()) {
      List<Future<Integer>> running = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        running.add(
            pool.submit(
                () -> {
                  // Each writer journals a job and its task until well after the restart,
                  // retrying what failed with the same record, as the coordinator's replay does.
                  int afterRestart = 0;
                  int n = 0;
                  for (; afterRestart < 15; n++) {
                    String id = "w" + writer + "-" + n;
                    retry(
                        refused, () -> jobs.insert(JobStoreContract.job(id, JobState.PENDING, 1)));
                    retry(refused, () -> jobs.saveTask(JobStoreContract.task(id, 0, "execute")));
                    underLoad.countDown();
                    if (restarted.get()) {
                      afterRestart++;
                    }
                  }
                  return n;
                }));
      }
      assertTrue(underLoad.await(60, TimeUnit.SECONDS));
      postgres.restart();
      restarted.set(true);
      int total = 0;
      for (Future<Integer> f : running) {
        total += f.get(120, TimeUnit.SECONDS);
      }
      assertTrue(refused.get() > 0, "the restart was felt");
      // The reading connection sat idle through the restart: the read is tried again on a new one.
      assertEquals(total, jobs.unfinished().size());
      for (int w = 0; w < writers; w++) {
        assertEquals(1, jobs.tasks("w" + w + "-0").size());
      }
      assertFalse(jobs.insert(JobStoreContract.job("w0-0", JobState.PENDING, 1)), "once");
    } finally {
      pool.shutdownNow();
    }
  }

  /** A journal write that may fail while the database is away: tried again for up to a minute. */
  private interface Write {
    void run();
  }

  private static void retry(AtomicInteger refused, Write write) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        write.run();
        return;
      } catch (IllegalStateException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        refused.incrementAndGet();
        Thread.sleep(20);
      }
    }
  }
}
