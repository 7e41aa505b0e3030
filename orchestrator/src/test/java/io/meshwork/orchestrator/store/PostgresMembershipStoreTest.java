package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MembershipStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The membership journal in a real PostgreSQL database, the same one the job journal uses (their
 * tables, schema versions and epochs apart); two handles on one database stand for two replicas.
 */
class PostgresMembershipStoreTest extends MembershipStoreContract {
  private JournalDatabase.Postgres database;

  @BeforeEach
  void freshDatabase() {
    database = JournalPostgres.freshDatabase();
  }

  @Override
  MembershipStore open() {
    return new SqlMembershipStore(database);
  }

  @Test
  void itSharesItsDatabaseWithTheJobJournalEachFencedOnItsOwn() {
    JournalStores journals =
        JournalStores.postgres(database.url(), database.user(), database.password());
    try (JobStore jobs = journals.openJobs();
        MembershipStore members = journals.openMembership()) {
      jobs.fence(4);
      // Membership's epoch is its own: a replica fences both journals when it leads.
      write(members, "did:key:zUnfencedYet");
      members.fence(4);
      members.record(member("did:key:zM", MemberState.LIVE, 1), null, "joined", 1);
      jobs.insert(JobStoreContract.job("job-1", JobState.PENDING, 1));
      assertEquals(2, members.members().size());
      assertEquals(JobState.PENDING, jobs.find("job-1").orElseThrow().state());
    }
  }

  @Test
  void anotherServicesMigrationsInTheSameDatabaseAreLeftAlone() throws Exception {
    // The ledger and the blob catalog record theirs in schema_migrations.
    try (Connection c = database.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
              + " description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      s.execute("INSERT INTO schema_migrations VALUES (1, 'another service', 0)");
    }
    try (MembershipStore store = open()) {
      write(store, "did:key:zM");
      assertTrue(holds(store, "did:key:zM"));
    }
    try (Connection c = database.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM schema_migrations")) {
      rs.next();
      assertEquals(1, rs.getInt(1));
    }
  }
}
