package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.identity.Identity;
import io.meshwork.testing.postgres.TestPostgres;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator as {@code meshwork serve} wires it, told {@code orchestrator.store=postgres}: a
 * job run through the mesh lands in the PostgreSQL journal, and no SQLite journal is made.
 */
class PostgresJournalTest {
  @TempDir Path dataDir;

  @Test
  void aJobsRecordsLandInThePostgresJournal() throws Exception {
    try (TestPostgres postgres = TestPostgres.start()) {
      String url = postgres.createDatabase("orchestrator");
      Map<String, String> settings =
          Map.of(
              "orchestrator.store",
              "postgres",
              "orchestrator.postgres.url",
              url,
              "orchestrator.postgres.user",
              postgres.user(),
              "orchestrator.postgres.password",
              postgres.password());
      byte[] text = SampleText.generate(40_000, 3);
      String jobId;
      int chunks;
      try (DevMesh mesh = DevMesh.start(dataDir, MeshFixtures.freeLayout(1), settings);
          MeshClient client = MeshFixtures.client(mesh, Identity.generate())) {
        jobId = client.submit(MeshFixtures.wordCountJob(text, 8 * 1024).manaBudget(2_000).build());
        JobResult result =
            MeshFixtures.awaitWordCount(client, jobId, text, Duration.ofSeconds(60), jobId);
        chunks = result.status().getTotalChunks();
      }
      try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password())) {
        assertEquals("completed", one(c, "SELECT state FROM jobs WHERE job_id = ?", jobId));
        // Every chunk's task and the merge's, each with its receipt.
        assertEquals(
            Long.valueOf(chunks + 1),
            one(c, "SELECT COUNT(*) FROM tasks WHERE job_id = ? AND receipt_cid <> ''", jobId));
        // Each of them placed at least once, with its bids.
        long placements = (Long) one(c, "SELECT COUNT(*) FROM placements WHERE job_id = ?", jobId);
        assertTrue(placements >= chunks + 1, placements + " placements for " + chunks + " chunks");
      }
      Path orchestrator = dataDir.resolve("orchestrator");
      assertFalse(Files.exists(orchestrator.resolve("orchestrator.db")));
      assertFalse(Files.exists(orchestrator.resolve("membership.db")));
    }
  }

  private static Object one(Connection c, String sql, Object... parameters) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        ps.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getObject(1);
      }
    }
  }
}
