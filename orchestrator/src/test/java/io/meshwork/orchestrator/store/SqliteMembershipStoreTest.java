package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.membership.MembershipStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The membership journal in a SQLite file; two handles on one file stand for two replicas. */
class SqliteMembershipStoreTest extends MembershipStoreContract {
  @TempDir Path dir;

  @Override
  MembershipStore open() {
    return new SqlMembershipStore(JournalDatabase.sqlite(dir.resolve("membership.db")));
  }
}
