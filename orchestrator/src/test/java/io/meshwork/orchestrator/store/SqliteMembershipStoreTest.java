package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MembershipStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The membership journal in a SQLite file: the journal contract (two handles on one file stand for
 * two replicas), plus the upgrade of a journal from before fencing.
 */
class SqliteMembershipStoreTest extends MembershipStoreContract {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("membership.db");
  }

  @Override
  MembershipStore open() {
    return new SqlMembershipStore(JournalDatabase.sqlite(file()));
  }

  @Test
  void aJournalFromBeforeFencingIsUpgradedWithItsMembers() throws Exception {
    try (MembershipStore store = open()) {
      store.record(member("did:key:zOld", MemberState.LIVE, 1), null, "joined", 1);
    }
    // What the first membership journals look like: their one version in schema_migrations.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE membership_schema_version");
      s.execute("DROP TABLE membership_epoch");
      s.execute(
          "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
              + " description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      s.execute(
          "INSERT INTO schema_migrations VALUES"
              + " (1, 'members, their history and join tokens', 0)");
    }
    try (MembershipStore upgraded = open()) {
      assertEquals(List.of("did:key:zOld"), upgraded.members().stream().map(m -> m.did()).toList());
      upgraded.fence(2);
      write(upgraded, "did:key:zNew");
      assertEquals(2, upgraded.members().size());
    }
  }
}
