package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.Priority;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Priorities across real processes: with room for one task at a time, a {@code critical} job
 * submitted behind a queue of {@code low} jobs runs first and completes before them, and every
 * {@code low} job still completes.
 */
class PriorityTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void aCriticalJobOvertakesQueuedLowJobsWhichStillComplete() throws Exception {
    // One task at a time on a slow executor (1.5 s a call): the low jobs' chunks queue in the
    // orchestrator's scheduler. Aging is set well beyond this test's length so that no low task
    // ranks as high as the critical ones while they wait; the scheduler's own unit test covers
    // how aging lets low tasks through a stream of critical work.
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("slow"),
            MeshProcesses.tolerantTimings(
                "orchestrator.max-parallel-tasks", "1",
                "orchestrator.priority-aging-ms", "60000"))) {
      try (MeshClient client = mesh.client(Identity.generate())) {
        client.balance();
        List<byte[]> lowInputs = new ArrayList<>();
        List<String> low = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          byte[] text = SampleText.generate(3_500, 100 + i);
          lowInputs.add(text);
          low.add(client.submit(job(text, Priority.LOW)));
        }
        byte[] criticalText = SampleText.generate(1_500, 7);
        String critical = client.submit(job(criticalText, Priority.CRITICAL));

        JobResult c =
            MeshFixtures.awaitWordCount(
                client, critical, criticalText, Duration.ofSeconds(60), "the critical job");
        for (int i = 0; i < low.size(); i++) {
          JobResult r =
              MeshFixtures.awaitWordCount(
                  client, low.get(i), lowInputs.get(i), Duration.ofSeconds(60), "low job " + i);
          assertTrue(r.status().getTotalChunks() >= 3, "a multi-chunk low job");
          assertEquals("low", r.status().getPriority());
          assertTrue(
              c.status().getFinishedAt() < r.status().getFinishedAt(),
              "the critical job (submitted last, finished at "
                  + c.status().getFinishedAt()
                  + ") completed before low job "
                  + i
                  + " (finished at "
                  + r.status().getFinishedAt()
                  + ")");
        }
      }
    }
  }

  private static JobRequest job(byte[] text, Priority priority) {
    return MeshFixtures.wordCountJob(text, 1_000)
        .manaBudget(200)
        .timeoutSecs(120)
        .priority(priority)
        .build();
  }
}
