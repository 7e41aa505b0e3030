package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job journal in a real PostgreSQL database: the journal contract (two handles on one database
 * stand for two replicas), plus what only a server does: replicas that start at once on a new
 * database, and connections that the server drops.
 */
class PostgresJobStoreTest extends JobStoreContract {
  private JournalDatabase.Postgres database;

  @BeforeEach
  void freshDatabase() {
    database = JournalPostgres.freshDatabase();
  }

  @Override
  JobStore open() {
    return new SqlJobStore(database);
  }

  @Test
  void replicasStartingAtOnceOnANewDatabaseMigrateItOnce() {
    List<CompletableFuture<JobStore>> starting = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      starting.add(CompletableFuture.supplyAsync(this::open));
    }
    List<JobStore> stores = new ArrayList<>();
    try {
      for (CompletableFuture<JobStore> s : starting) {
        stores.add(s.join());
      }
      assertTrue(stores.get(0).insert(job("job-1", JobState.PENDING, 1)));
      assertTrue(stores.get(3).find("job-1").isPresent());
    } finally {
      stores.forEach(JobStore::close);
    }
  }

  @Test
  void aJournalWhoseConnectionsTheServerDroppedConnectsAgain() throws Exception {
    try (JobStore store = open()) {
      store.insert(job("before", JobState.PENDING, 1));
      JournalPostgres.dropConnections();
      // A write that finds its connection gone fails (whether it committed is for its caller to
      // find out); a read, which changes nothing, is tried again on a new connection; the journal
      // itself carries on.
      assertThrows(
          IllegalStateException.class, () -> store.insert(job("lost", JobState.PENDING, 2)));
      assertTrue(store.find("before").isPresent());
      assertTrue(store.insert(job("after", JobState.PENDING, 3)));
      assertTrue(store.find("before").isPresent());
      assertTrue(store.find("after").isPresent());
      store.fence(1);
      assertTrue(store.insert(job("fenced", JobState.PENDING, 4)));
    }
  }

  @Test
  void aPasswordIsNeverPartOfAMessage() {
    JournalDatabase wrong =
        JournalDatabase.postgres(database.url(), database.user(), "not-the-password");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> new SqlJobStore(wrong));
    assertTrue(
        e.getMessage().startsWith("cannot open the job journal " + database.url()), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf("not-the-password"), e.getMessage());
  }
}
