package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work stealing across real processes: a slow executor that bids cheaper than its honest peer wins
 * more tasks than its two slots can run, and the tasks waiting in its queue are withdrawn and run
 * by the honest executor once that one sits idle, so the slow machine does not hold up the job.
 */
class WorkStealingTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void anIdleExecutorTakesOverTasksQueuedOnASlowOne() throws Exception {
    // executor-1 is slow (1.5 s per call) and bids 1 mana; executor-2 is honest at the default
    // price (at least 2 mana), so the price term makes the slow one the winner until its queue
    // is deep: the default load weight (0.5) already lets it queue beyond its 2 slots. Both keep
    // queues, so a task may also be withdrawn from the honest one when the slow one frees a slot.
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("slow executor.price.base=0 executor.price.per-mib=0", "honest"),
            MeshProcesses.tolerantTimings())) {
      String slow = mesh.executorDid(1);
      byte[] text = SampleText.generate(12_000, 23);
      try (MeshClient client = mesh.client(Identity.generate())) {
        client.balance();
        JobResult result =
            MeshFixtures.runWordCount(
                client,
                MeshFixtures.wordCountJob(text, 1_000).manaBudget(1_000).timeoutSecs(60).build(),
                Duration.ofSeconds(50));
        String jobId = result.jobId();
        int chunks = result.status().getTotalChunks();
        assertTrue(chunks >= 10, "a job of about 12 chunks, got " + chunks);

        List<TaskPlacement> placements = client.placements(jobId);
        String all = describe(placements);
        List<TaskPlacement> stolen =
            placements.stream()
                .filter(p -> p.getOutcome().contains("work stealing"))
                .collect(Collectors.toList());
        assertFalse(stolen.isEmpty(), "no task was withdrawn from a queue:\n" + all);
        System.out.println(
            "work stealing: "
                + stolen.size()
                + " of "
                + chunks
                + " chunks withdrawn from the slow"
                + " executor's queue and run by the idle one");
        for (TaskPlacement p : stolen) {
          String left = p.getWinnerDid();
          assertTrue(p.getOutcome().contains(left), "the outcome names the executor it left: " + p);
          // The executor it left is passed over in the next auction, and the task is accepted
          // exactly once afterwards.
          TaskPlacement next =
              placements.stream()
                  .filter(q -> q.getTaskId().equals(p.getTaskId()))
                  .filter(q -> q.getAttempt() == p.getAttempt() + 1)
                  .findFirst()
                  .orElseThrow(() -> new AssertionError(p.getTaskId() + " not placed again"));
          assertFalse(left.equals(next.getWinnerDid()), p.getTaskId() + " passed over:\n" + all);
          assertEquals(
              1,
              placements.stream()
                  .filter(q -> q.getTaskId().equals(p.getTaskId()))
                  .filter(q -> q.getAttempt() > p.getAttempt())
                  .filter(q -> q.getOutcome().startsWith("accepted"))
                  .count(),
              p.getTaskId() + " was accepted once after:\n" + all);
        }
        assertTrue(
            stolen.stream().anyMatch(p -> p.getWinnerDid().equals(slow)),
            "the slow executor's queue was drawn on:\n" + all);
        // Every chunk was settled exactly once, and the receipts name the executor that ran it.
        assertEquals(
            chunks,
            result.receipts().stream()
                .filter(r -> !r.getTaskId().endsWith(":merge"))
                .map(r -> r.getTaskId())
                .distinct()
                .count());
        for (TaskPlacement p : stolen) {
          String ranIt =
              placements.stream()
                  .filter(q -> q.getTaskId().equals(p.getTaskId()))
                  .filter(q -> q.getOutcome().startsWith("accepted"))
                  .findFirst()
                  .orElseThrow()
                  .getWinnerDid();
          assertTrue(
              result.receipts().stream()
                  .anyMatch(
                      r -> r.getTaskId().equals(p.getTaskId()) && r.getExecutorDid().equals(ranIt)),
              "the stolen task " + p.getTaskId() + " was paid to the executor that ran it");
        }
      }
    }
  }

  static String describe(List<TaskPlacement> placements) {
    StringBuilder s = new StringBuilder();
    for (TaskPlacement p : placements) {
      s.append(p.getTaskId())
          .append(" #")
          .append(p.getAttempt())
          .append(' ')
          .append(p.getRole())
          .append(" -> ")
          .append(p.getWinnerDid().isEmpty() ? "(none)" : tail(p.getWinnerDid()))
          .append(" @")
          .append(p.getPrice())
          .append(": ")
          .append(p.getOutcome())
          .append('\n');
    }
    return s.toString();
  }

  private static String tail(String did) {
    return "…" + did.substring(Math.max(0, did.length() - 6));
  }
}
