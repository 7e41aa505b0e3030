package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.jobs.JobStore;
import org.junit.jupiter.api.BeforeEach;

/** Retention on the job journal in a real PostgreSQL database. */
class PostgresJobRetentionTest extends JobRetentionContract {
  private JournalDatabase.Postgres database;

  @BeforeEach
  void freshDatabase() {
    database = JournalPostgres.freshDatabase();
  }

  @Override
  JobStore open() {
    return new SqlJobStore(database);
  }
}
