package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.BidVerdict;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 0016's required test vectors, on real processes: the single-executor happy path; several
 * competing bids with the policy choosing for the reasons it records; executors that crash or stall
 * during execution, with the task retried elsewhere and the job completing.
 */
class Rfc0016VectorsTest {
  @TempDir Path dataDir;

  private static final byte[] TEXT = SampleText.generate(6_000, 5);

  private static JobRequest oneChunkJob(long budget) {
    return JobRequest.newBuilder()
        .wasmModule(MeshFixtures.wordCount())
        .input(TEXT)
        .manaBudget(budget)
        .timeoutSecs(60)
        .retryCount(2)
        .build();
  }

  @Test
  void aSingleExecutorRunsTheJobAndIsPaidItsBidAndTheRestIsRefunded() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dataDir, List.of("honest"), Map.of());
        MeshClient client = mesh.client(Identity.generate())) {
      long before = client.balance().getBalance();
      long executorBefore = mesh.executorBalance(1);
      JobResult result =
          MeshFixtures.runWordCount(client, oneChunkJob(500), Duration.ofSeconds(60));
      String jobId = result.jobId();
      // One chunk and the merge of its result: two tasks, both on the only executor.
      assertEquals(2, result.receipts().size());
      long paid = 0;
      for (ReceiptRef receipt : result.receipts()) {
        assertEquals(mesh.executorDid(1), receipt.getExecutorDid());
        paid += receipt.getPrice();
      }
      assertEquals(before - paid, client.balance().getBalance());
      assertEquals(0, client.balance().getHeld());
      assertEquals(executorBefore + paid, mesh.executorBalance(1));
      assertEquals(500 - paid, result.status().getManaRefunded());

      List<TaskPlacement> placements = client.placements(jobId);
      assertEquals(2, placements.size());
      TaskPlacement p = placements.get(0);
      assertEquals(mesh.executorDid(1), p.getWinnerDid());
      assertTrue(p.getReason().startsWith("lowest score"), p.getReason());
      assertTrue(p.getOutcome().startsWith("accepted"), p.getOutcome());
    }
  }

  @Test
  void competingBidsGoToTheBestScoreAndEveryLoserIsToldWhy() throws Exception {
    try (MeshProcesses mesh =
            new MeshProcesses(
                dataDir,
                List.of(
                    "honest executor.price.base=5",
                    "honest executor.price.base=3",
                    "honest executor.price.base=9",
                    "overcharger"),
                // The four named executors are the whole field: no local fallback bids.
                Map.of(
                    "orchestrator.selection.load-weight", "0", "orchestrator.local-slots", "0"));
        MeshClient client = mesh.client(Identity.generate())) {
      JobResult result =
          MeshFixtures.runWordCount(client, oneChunkJob(500), Duration.ofSeconds(60));
      String jobId = result.jobId();
      assertEquals(mesh.executorDid(2), result.receipts().get(0).getExecutorDid());

      TaskPlacement p = client.placements(jobId).get(0);
      assertEquals("execute", p.getExportName());
      assertEquals(mesh.executorDid(2), p.getWinnerDid());
      assertEquals(4, p.getBidsCount(), p.toString());
      long winningPrice = p.getPrice();
      for (BidVerdict b : p.getBidsList()) {
        if (b.getWon()) {
          assertEquals(mesh.executorDid(2), b.getExecutorDid());
          continue;
        }
        // Equal reputations, load not weighed: every loser lost on price alone, and says so.
        assertTrue(b.getPrice() > winningPrice, b.toString());
        assertTrue(
            b.getReason().contains("price " + b.getPrice() + " > " + winningPrice + " mana"),
            b.getReason());
      }

      // A budget below every price: the failure names each executor and why it could not.
      JobResult refused = client.result(client.submit(oneChunkJob(2)), Duration.ofSeconds(60));
      assertFalse(refused.success());
      String why = refused.error();
      assertTrue(why.contains("no executor could take task"), why);
      // Each of the four executors is named with its own reason: the three honest ones decline
      // a maximum below their price; the overcharger bids anyway and is refused by the policy.
      assertEquals(3, why.split("PRICE_ABOVE_MAX", -1).length - 1, why);
      assertTrue(why.contains(mesh.executorDid(4) + ": TOO_EXPENSIVE (bid "), why);
    }
  }

  @Test
  void anExecutorThatCrashesOrStallsMidTaskIsReplacedAndTheJobCompletes() throws Exception {
    try (MeshProcesses mesh =
            new MeshProcesses(
                dataDir,
                List.of(
                    "crasher executor.price.base=1",
                    "staller executor.price.base=2",
                    "honest executor.price.base=6"),
                Map.of(
                    "orchestrator.selection.load-weight", "0",
                    "orchestrator.result-grace-ms", "1500"));
        MeshClient client = mesh.client(Identity.generate())) {
      long before = client.balance().getBalance();
      JobResult result =
          MeshFixtures.runWordCount(
              client,
              JobRequest.newBuilder()
                  .wasmModule(MeshFixtures.wordCount())
                  .input(TEXT)
                  .manaBudget(500)
                  .timeoutSecs(60)
                  .retryCount(2)
                  .limits(
                      io.meshwork.mesh.v1.ResourceLimits.newBuilder().setWallTimeMs(1000).build())
                  .build(),
              Duration.ofSeconds(60));
      String jobId = result.jobId();
      long paid = 0;
      for (ReceiptRef receipt : result.receipts()) {
        assertEquals(mesh.executorDid(3), receipt.getExecutorDid());
        paid += receipt.getPrice();
      }
      assertEquals(before - paid, client.balance().getBalance());
      assertFalse(mesh.alive("executor-1"), "the crasher died");

      List<TaskPlacement> placements =
          client.placements(jobId).stream()
              .filter(p -> p.getExportName().equals("execute"))
              .toList();
      assertEquals(3, placements.size(), placements.toString());
      assertEquals(mesh.executorDid(1), placements.get(0).getWinnerDid());
      // The crasher dies as its task starts, so the orchestrator sees either the acknowledgement
      // fail or the probes go unanswered, depending on which the death beat.
      String crash = placements.get(0).getOutcome();
      assertTrue(
          crash.contains("stopped answering") || crash.contains("no acknowledgement"), crash);
      assertEquals(mesh.executorDid(2), placements.get(1).getWinnerDid());
      assertTrue(
          placements.get(1).getOutcome().contains("no result within"),
          placements.get(1).getOutcome());
      assertEquals(mesh.executorDid(3), placements.get(2).getWinnerDid());
    }
  }
}
