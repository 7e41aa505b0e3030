package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.ExecutorRefusal;
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
 * Verification that catches a lying executor, on real processes: the liar is the shipped executor
 * with its results altered (and its receipts honestly signed over the altered bytes, so no hash
 * check can catch it; only another executor's run can).
 */
class VerificationTest {
  @TempDir Path dataDir;

  @Test
  void redundancyOfThreeOutvotesTheLiarWhichIsNotPaidAndIsThenExcluded() throws Exception {
    try (MeshProcesses mesh =
            new MeshProcesses(dataDir, List.of("honest", "honest", "honest", "liar"), Map.of());
        MeshClient client = mesh.client(Identity.generate())) {
      byte[] text = SampleText.generate(24_000, 8);
      long liarBefore = mesh.executorBalance(4);
      long userBefore = client.balance().getBalance();
      String jobId =
          client.submit(
              MeshFixtures.wordCountJob(text, 3_000)
                  .verificationMode(VerificationMode.REDUNDANT)
                  .redundancy(3)
                  .manaBudget(5_000)
                  .timeoutSecs(120)
                  .build());
      JobResult result =
          MeshFixtures.awaitWordCount(
              client,
              jobId,
              text,
              Duration.ofSeconds(120),
              "the redundant job (whose result must be the majority's, not the liar's)");
      assertTrue(result.status().getTotalChunks() >= 6, "several chunks");

      // Paid: exactly the receipts behind the result, none of them the liar's.
      long paid = 0;
      for (ReceiptRef r : result.receipts()) {
        assertNotEquals(mesh.executorDid(4), r.getExecutorDid());
        paid += r.getPrice();
      }
      assertEquals(liarBefore, mesh.executorBalance(4), "the liar earned nothing");
      assertEquals(userBefore - paid, client.balance().getBalance());
      assertEquals(0, client.balance().getHeld());

      List<TaskPlacement> placements = client.placements(jobId);
      List<TaskPlacement> liarRuns =
          placements.stream().filter(p -> p.getWinnerDid().equals(mesh.executorDid(4))).toList();
      assertTrue(!liarRuns.isEmpty(), "the liar won some replicas");
      for (TaskPlacement p : liarRuns) {
        if (p.getExportName().equals("execute")) {
          // Every replica the liar ran was caught; a replica taken back from its queue before it
          // ran (work stealing) or refused as busy produced no result to catch.
          String outcome = p.getOutcome();
          assertTrue(
              outcome.startsWith("caught")
                  || outcome.contains("(work stealing)")
                  || outcome.startsWith("the executor was full"),
              outcome);
        }
      }
      long caught = liarRuns.stream().filter(p -> p.getOutcome().startsWith("caught")).count();
      assertTrue(caught >= 2, "caught at least twice: " + caught);
      // After two lies its reputation is below the threshold: later auctions refuse it.
      boolean excluded =
          placements.stream()
              .flatMap(p -> p.getRefusalsList().stream())
              .anyMatch(
                  r ->
                      r.getExecutor().equals(mesh.executorDid(4))
                          && r.getReason().startsWith("UNTRUSTED"));
      assertTrue(excluded, "the liar was excluded from later placements");

      // Excluded for good: reputation is persisted, so a new job does not use it either.
      String next =
          client.submit(
              JobRequest.newBuilder()
                  .wasmModule(MeshFixtures.wordCount())
                  .input(SampleText.generate(3_000, 9))
                  .verificationMode(VerificationMode.REDUNDANT)
                  .manaBudget(1_000)
                  .build());
      assertTrue(client.result(next, Duration.ofSeconds(60)).success());
      for (TaskPlacement p : client.placements(next)) {
        assertNotEquals(mesh.executorDid(4), p.getWinnerDid());
        assertTrue(
            p.getRefusalsList().stream()
                .map(ExecutorRefusal::getExecutor)
                .anyMatch(mesh.executorDid(4)::equals),
            p.toString());
      }
    }
  }

  @Test
  void sampleAuditsCatchACheapLiarAtAboutTheConfiguredRate() throws Exception {
    double rate = 0.3;
    try (MeshProcesses mesh =
            new MeshProcesses(
                dataDir,
                List.of("honest", "honest", "liar,cheap"),
                Map.of(
                    "orchestrator.sample.rate", Double.toString(rate),
                    // Keep the liar in play so that its catch rate can be measured over many
                    // chunks, and let price alone pick primaries, so that it wins them.
                    "orchestrator.reputation.exclude-below", "0",
                    "orchestrator.selection.reputation-weight", "0",
                    "orchestrator.selection.load-weight", "0",
                    "orchestrator.max-parallel-tasks", "4"));
        MeshClient client = mesh.client(Identity.generate())) {
      byte[] text = SampleText.generate(60_000, 12);
      String jobId =
          client.submit(
              MeshFixtures.wordCountJob(text, 1_000)
                  .jobId("sample-liar-job")
                  .verificationMode(VerificationMode.SAMPLE)
                  .manaBudget(9_000)
                  .timeoutSecs(180)
                  .build());
      JobResult result = client.result(jobId, Duration.ofSeconds(180));
      assertTrue(result.success(), result.error());
      int chunks = result.status().getTotalChunks();
      assertTrue(chunks >= 50, "many chunks: " + chunks);

      List<TaskPlacement> primaries =
          client.placements(jobId).stream()
              .filter(p -> p.getExportName().equals("execute") && p.getRole().equals("primary"))
              .filter(p -> p.getWinnerDid().equals(mesh.executorDid(3)))
              // Placements that never produced a result (the executor was full, the task was
              // taken back from its queue, an attempt failed on the loaded test machine) were
              // placed again; they are not results.
              .filter(
                  p ->
                      !p.getOutcome().startsWith("failed")
                          && !p.getOutcome().contains("full")
                          && !p.getOutcome().contains("(work stealing)"))
              .toList();
      long liarChunks = primaries.size();
      long caught = primaries.stream().filter(p -> p.getOutcome().startsWith("caught")).count();
      long unaudited = primaries.stream().filter(p -> p.getOutcome().contains("not drawn")).count();
      assertEquals(liarChunks, caught + unaudited, "every liar result was caught or not audited");
      // Binomial(n, 0.3): the mean plus or minus four standard deviations.
      double mean = liarChunks * rate;
      double sd = Math.sqrt(liarChunks * rate * (1 - rate));
      assertTrue(liarChunks >= chunks / 2, "the cheap liar won most primaries: " + liarChunks);
      assertTrue(
          caught >= mean - 4 * sd && caught <= mean + 4 * sd,
          "caught " + caught + " of " + liarChunks + " at rate " + rate);
      assertTrue(caught > 0);
      // Every caught chunk was settled by the two honest runs, which alone were paid for it.
      for (ReceiptRef r : result.receipts()) {
        String task = r.getTaskId();
        boolean caughtTask =
            primaries.stream()
                .anyMatch(p -> p.getTaskId().equals(task) && p.getOutcome().startsWith("caught"));
        if (caughtTask) {
          assertNotEquals(mesh.executorDid(3), r.getExecutorDid());
        }
      }
    }
  }
}
