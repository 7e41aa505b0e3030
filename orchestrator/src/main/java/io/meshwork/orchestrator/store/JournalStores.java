package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.membership.MembershipStore;
import java.nio.file.Path;

/**
 * Where the orchestrator keeps its two journals, the jobs' and membership's: SQLite files in its
 * data folder ({@code orchestrator.db} and {@code membership.db}), or one PostgreSQL database that
 * its replicas share.
 *
 * @param jobs the job journal's database
 * @param membership the membership journal's database
 */
public record JournalStores(JournalDatabase jobs, JournalDatabase membership) {
  /** The journals in SQLite files in {@code dataDir}, each in a file of its own. */
  public static JournalStores sqlite(Path dataDir) {
    return new JournalStores(
        JournalDatabase.sqlite(dataDir.resolve("orchestrator.db")),
        JournalDatabase.sqlite(dataDir.resolve("membership.db")));
  }

  /** Both journals in the PostgreSQL database at {@code url}; their tables do not overlap. */
  public static JournalStores postgres(String url, String user, String password) {
    JournalDatabase database = JournalDatabase.postgres(url, user, password);
    return new JournalStores(database, database);
  }

  /** Opens (creating and migrating) the job journal. */
  public JobStore openJobs() {
    return new SqlJobStore(jobs);
  }

  /** Opens (creating and migrating) the membership journal. */
  public MembershipStore openMembership() {
    return new SqlMembershipStore(membership);
  }
}
