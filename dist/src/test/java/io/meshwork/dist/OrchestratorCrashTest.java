package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, must-show 4: the orchestrator killed with SIGKILL in the middle of a multi-chunk job and
 * started again on its data resumes the job from its journal and completes it with the right
 * result, and the ledger shows every task paid exactly once. (Issue 15: with its input a stored
 * blob.)
 */
class OrchestratorCrashTest {
  private static final long BUDGET = 1_000;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  /**
   * The job's input is an uploaded blob, so the resumed job also cuts the stored input again and
   * sends its chunks by reference; the journal keeps only the blob's CID.
   */
  @Test
  void aKilledOrchestratorResumesTheJobAndPaysEachTaskOnce() throws Exception {
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("slow", "slow", "slow"),
            // Chunks of a stored input go by reference.
            MeshProcesses.tolerantTimings("orchestrator.inline-chunk-bytes", "256"))) {
      Identity user = Identity.generate();
      byte[] text = SampleText.generate(36_000, 17);
      MeshProcesses.Balances before;
      String jobId;
      int settledAtKill;
      try (MeshClient client = mesh.client(user)) {
        before = mesh.balances(client);
        Path file = Files.write(dataDir.resolve("input.txt"), text);
        jobId =
            client.submit(
                StoredInputJobTest.wordCountOf(client.upload(file).cid(), 1_000)
                    .manaBudget(BUDGET)
                    .timeoutSecs(300)
                    .build());
        ComputeJobStatus running = CancelMidJobTest.awaitChunks(client, jobId, 6);
        assertTrue(running.getTotalChunks() >= 30, "a multi-chunk job: " + running);
        mesh.killOrchestrator();
        settledAtKill = running.getCompletedChunks();
      }

      mesh.startOrchestrator();
      mesh.awaitOrchestrator();
      try (MeshClient client = mesh.client(user)) {
        JobResult result =
            MeshFixtures.awaitWordCount(
                client,
                jobId,
                text,
                Duration.ofSeconds(120),
                "the resumed job (logs in " + dataDir + ")");
        ComputeJobStatus status = result.status();
        assertTrue(
            settledAtKill < status.getTotalChunks(),
            "killed mid-job: " + settledAtKill + "/" + status.getTotalChunks());
        assertTrue(
            Files.readString(mesh.log("orchestrator")).contains("resuming job " + jobId),
            "the restarted orchestrator resumed the job from its journal");

        // Every chunk (and the merge) has one receipt and one payment.
        int posts = PaidOnce.assertEachTaskPaidOnce(client, result, mesh.orchestratorDid());
        long paid = result.receipts().stream().mapToLong(ReceiptRef::getPrice).sum();

        // And the balances agree: the submitter's loss is the executors' gain.
        mesh.assertSettled(client, before, result, BUDGET);
        System.out.println(
            "orchestrator crash: killed with "
                + settledAtKill
                + " of "
                + status.getTotalChunks()
                + " chunks settled; resumed and completed; "
                + posts
                + " posts, "
                + paid
                + " mana paid, "
                + status.getManaRefunded()
                + " returned");
      }
    }
  }
}
