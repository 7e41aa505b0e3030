package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, must-show 1: the ledger, and then the receipt log, killed for about 10 s in the middle
 * of a job of (at least) 50 chunks: while the ledger is down the job goes on and its payments are
 * owed; while the receipt log is down its tasks wait to be anchored. Each job completes, the
 * orchestrator's outbox tried again at least once (its {@code
 * meshwork_orchestrator_settlement_retries} counter), every task is paid exactly once under its
 * first request id, and the mana is conserved: the submitter lost what the executors gained, and
 * nothing stays held. One mesh for both outages.
 */
class SettlementOutagesTest {
  private static final long BUDGET = 1_000;
  private static final Pattern RETRIES =
      Pattern.compile(
          "(?m)^meshwork_orchestrator_settlement_retries(?:_total)?(?:\\{[^}]*\\})?\\s+(\\S+)");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void aJobCompletesThroughALedgerOutageAndThenThroughAReceiptLogOutage() throws Exception {
    try (MeshProcesses mesh =
        new MeshProcesses(dataDir, List.of("honest", "honest"), MeshProcesses.tolerantTimings())) {
      Identity user = Identity.generate();
      for (String service : List.of("ledger", "receipts")) {
        byte[] text = SampleText.generate(50_000, service.length());
        long retriesBefore = retries(mesh);
        MeshProcesses.Balances before;
        String jobId;
        try (MeshClient client = mesh.client(user)) {
          before = mesh.balances(client);
          Path file = Files.write(dataDir.resolve(service + ".txt"), text);
          jobId =
              client.submit(
                  StoredInputJobTest.wordCountOf(client.upload(file).cid(), 1_000)
                      .manaBudget(BUDGET)
                      .timeoutSecs(300)
                      .build());
          ComputeJobStatus running = CancelMidJobTest.awaitChunks(client, jobId, 4);
          assertTrue(running.getTotalChunks() >= 50, "a job of 50 chunks or more: " + running);
          assertTrue(
              running.getCompletedChunks() < running.getTotalChunks(), "mid-job: " + running);
          mesh.kill(service);
          Thread.sleep(10_000);
          mesh.restart(service);
          MeshFixtures.awaitWordCount(
              client,
              jobId,
              text,
              Duration.ofSeconds(120),
              "the job through the " + service + " outage (logs in " + dataDir + ")");
          awaitNothingHeld(client);
          // Read again: the refund is journaled when the outbox releases the hold.
          JobResult result = client.result(jobId, Duration.ofSeconds(10));
          long retries = retries(mesh) - retriesBefore;
          assertTrue(retries >= 1, "the outbox tried again during the " + service + " outage");
          int posts = PaidOnce.assertEachTaskPaidOnce(client, result, mesh.orchestratorDid());
          mesh.assertSettled(client, before, result, BUDGET);
          System.out.println(
              service
                  + " outage of 10 s: job completed, "
                  + posts
                  + " posts, "
                  + retries
                  + " settlement retries, "
                  + result.status().getManaRefunded()
                  + " mana returned");
        }
      }
    }
  }

  /** Waits until the submitter has nothing held: the outbox released the job's hold. */
  static void awaitNothingHeld(MeshClient client) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (client.balance().getHeld() != 0) {
      if (System.nanoTime() > until) {
        throw new AssertionError("the job's hold was not released: " + client.balance());
      }
      Thread.sleep(200);
    }
  }

  /** The orchestrator's count of settlement calls tried again, from its metrics. */
  static long retries(MeshProcesses mesh) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + mesh.layout().adminPort("orchestrator")
                                + "/observe/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Matcher m = RETRIES.matcher(r.body());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
