package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.ExecutorRefusal;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on a mesh of separate processes that must fail, the attackers being executors and clients
 * that speak the real protocol: nothing they try moves mana or fools the orchestrator.
 */
class StrangersTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  private static Map<String, String> refusals(TaskPlacement p) {
    return p.getRefusalsList().stream()
        .collect(Collectors.toMap(ExecutorRefusal::getExecutor, ExecutorRefusal::getReason));
  }

  /** The key executor {@code n} of a MeshProcesses mesh in {@code dataDir} will run with. */
  private Path executorKey(int n) {
    String name = MeshLayout.executor(n);
    return dataDir.resolve(name).resolve(name + ".key");
  }

  /**
   * Four strangers bid beside one honest executor on every task of a word count, each attacking it
   * another way, in one mesh: a bid of 0 mana, a bid of 2^63 mana, a cheap bid in the honest
   * executor's name, and (the cheapest real bidder, so that it wins tasks) results forged in the
   * honest executor's name ahead of each of its own. Every attack is refused for what it is, on
   * every task; none of them earns anything, and the honest executor is paid for what it ran and
   * blamed for nothing.
   */
  @Test
  void badBidsImpersonationAndForgedResultsAreRefusedAndEarnNothing() throws Exception {
    Identity honest = Identity.loadOrCreate(executorKey(5));
    // Results go back by ReturnTaskResult, not inline, so that each one is forged.
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of(
                "free",
                "huge",
                "impostor=" + honest.did() + ",cheap",
                "forger=" + executorKey(5) + ",cheap",
                "honest"),
            MeshProcesses.tolerantTimings("orchestrator.inline-result-ms", "0"))) {
      long[] before = new long[6];
      for (int n = 1; n <= 5; n++) {
        before[n] = mesh.executorBalance(n);
      }
      String impostor = mesh.executorDid(3);
      String forger = mesh.executorDid(4);
      try (MeshClient client = mesh.client(Identity.generate())) {
        JobResult result =
            MeshFixtures.runWordCount(
                client,
                MeshFixtures.wordCountJob(SampleText.generate(3_000, 5), 1_000)
                    .manaBudget(500)
                    .build(),
                Duration.ofSeconds(120));

        List<TaskPlacement> placements = client.placements(result.status().getJobId());
        assertTrue(placements.size() >= 4, "three chunks and the merge: " + placements);
        long paidToHonest = 0;
        for (TaskPlacement p : placements) {
          Map<String, String> refused = refusals(p);
          assertEquals(
              "INVALID_PRICE (a bid must ask a positive number of mana, not 0)",
              refused.get(mesh.executorDid(1)));
          assertEquals(
              "INVALID_PRICE (a bid must ask a positive number of mana, not 9223372036854775808)",
              refused.get(mesh.executorDid(2)));
          // The cheap bid in the honest executor's name never won.
          assertEquals(
              "IMPERSONATION (it bid as "
                  + honest.did()
                  + ", but its certificate names "
                  + impostor
                  + ")",
              refused.get(impostor));
          assertTrue(
              p.getWinnerDid().equals(forger) || p.getWinnerDid().equals(honest.did()),
              p.toString());
          // The forgeries reached no task: each took its real result, and nothing was blamed
          // on the honest executor, whose name they bore.
          assertTrue(p.getOutcome().startsWith("accepted"), p.toString());
          if (p.getWinnerDid().equals(honest.did())) {
            paidToHonest += p.getPrice();
          }
        }
        assertTrue(
            placements.stream().anyMatch(p -> p.getWinnerDid().equals(forger)),
            "the forger, the cheapest real bidder, ran tasks: " + placements);

        List<String> verdicts =
            Files.readAllLines(dataDir.resolve(MeshLayout.executor(4)).resolve("forgeries.log"));
        assertTrue(!verdicts.isEmpty(), "the forger returned results");
        for (String v : verdicts) {
          assertTrue(
              v.contains("verified=false")
                  && v.contains("was not given to " + honest.did() + "; only its executor may"),
              v);
        }
        assertEquals(before[1], mesh.executorBalance(1), "the free bidder earned nothing");
        assertEquals(before[2], mesh.executorBalance(2), "the huge bidder earned nothing");
        assertEquals(before[3], mesh.executorBalance(3), "the impostor earned nothing");
        assertEquals(
            before[5] + paidToHonest, mesh.executorBalance(5), "the honest one was paid its tasks");
      }
    }
  }

  /**
   * The draw of a sample audit before this mesh made it secret: the top 53 bits of SHA-256 of the
   * task id, against the rate. An executor can compute it for every task it is given.
   */
  private static boolean oldDrawAudits(String taskId, double rate) throws Exception {
    byte[] h = MessageDigest.getInstance("SHA-256").digest(taskId.getBytes(StandardCharsets.UTF_8));
    return (ByteBuffer.wrap(h).getLong() >>> 11) * 0x1.0p-53 < rate;
  }

  @Test
  void anExecutorLyingWhereAPredictableDrawWouldNotAuditIsCaughtAtTheConfiguredRate()
      throws Exception {
    double rate = 0.25;
    int chunks = 240;
    String jobId = "predicted-" + System.nanoTime();
    // One 64-byte line per chunk. Each line the old draw would not audit begins with L, which the
    // predictor reads as "lie here": it knows exactly what that draw knew.
    StringBuilder text = new StringBuilder();
    int marked = 0;
    for (int i = 0; i < chunks; i++) {
      boolean lie = !oldDrawAudits(jobId + ":" + i, rate);
      marked += lie ? 1 : 0;
      String line = (lie ? "L" : "H") + " mesh words to count in chunk " + i + " ";
      text.append(line).append("x".repeat(63 - line.length())).append('\n');
    }
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("predictor,cheap", "honest", "honest"),
            MeshProcesses.tolerantTimings(
                "orchestrator.sample.rate", Double.toString(rate),
                // The rate stays as configured, and being caught never excludes the liar: every
                // one of its lies is a fresh draw.
                "orchestrator.sample.record-halving", "1e12",
                "orchestrator.reputation.caught-weight", "0"))) {
      try (MeshClient client = mesh.client(Identity.generate())) {
        String submitted =
            client.submit(
                MeshFixtures.wordCountJob(text.toString().getBytes(StandardCharsets.US_ASCII), 64)
                    .jobId(jobId)
                    .verificationMode(VerificationMode.SAMPLE)
                    .manaBudget(9_000)
                    .timeoutSecs(600)
                    .build());
        JobResult result = client.result(submitted, Duration.ofSeconds(600));
        assertEquals("completed", result.status().getStatus(), result.error());

        // The lies it told as the primary run of a chunk, and how many of them were audited.
        String liar = mesh.executorDid(1);
        List<TaskPlacement> lies =
            client.placements(jobId).stream()
                .filter(p -> p.getRole().equals("primary") && p.getWinnerDid().equals(liar))
                .filter(p -> p.getExportName().equals("execute"))
                .filter(p -> text.charAt(p.getChunkIndex() * 64) == 'L')
                // The run whose result stood or fell, not a try that was full or withdrawn.
                .filter(
                    p ->
                        p.getOutcome().startsWith("accepted")
                            || p.getOutcome().startsWith("audited")
                            || p.getOutcome().startsWith("caught"))
                .toList();
        long caught = lies.stream().filter(p -> p.getOutcome().startsWith("caught")).count();
        int n = lies.size();
        double expected = n * rate;
        double sigma = Math.sqrt(n * rate * (1 - rate));
        String what =
            caught
                + " of "
                + n
                + " lies caught ("
                + marked
                + " chunks marked), expected "
                + expected
                + " +- "
                + sigma
                + "; outcomes "
                + lies.stream()
                    .collect(
                        Collectors.groupingBy(
                            p -> p.getOutcome().replaceAll("[(:].*", ""), Collectors.counting()));
        assertTrue(n >= 60, "the liar ran many of the marked chunks: " + what);
        // Under the old draw it would never have been caught; under the secret one, each lie is
        // audited at the rate: the count lies within four standard deviations of the binomial.
        assertTrue(caught > 0, what);
        assertTrue(Math.abs(caught - expected) <= 4 * sigma, what);
        System.out.println("unpredictable audits: " + what);
      }
    }
  }

  @Test
  void aJobOfTinyChunksIsRefusedAndTheOrchestratorServesOnAcrossARestart() throws Exception {
    try (MeshProcesses mesh =
        new MeshProcesses(dataDir, List.of("honest"), MeshProcesses.tolerantTimings())) {
      byte[] input = new byte[40 << 20];
      java.util.Arrays.fill(input, (byte) 'a');
      try (MeshClient client = mesh.client(Identity.generate())) {
        for (long maxChunk : new long[] {1, 64}) {
          JobRequest job =
              JobRequest.newBuilder()
                  .jobId("tiny-" + maxChunk)
                  .wasmModule(MeshFixtures.wordCount())
                  .input(input)
                  .splitStrategy(io.meshwork.client.SplitStrategy.FIXED)
                  .maxChunkSize(maxChunk)
                  .build();
          MeshClientException refused =
              assertThrows(MeshClientException.class, () -> client.submit(job));
          assertEquals(Status.Code.INVALID_ARGUMENT, refused.code(), refused.getMessage());
          assertEquals(
              maxChunk == 1 ? "CHUNK_TOO_SMALL" : "TOO_MANY_CHUNKS",
              refused.reason().orElse(""),
              refused.getMessage());
        }
        MeshFixtures.awaitServing(
            mesh.layout().grpcPort("orchestrator"), mesh.caDir(), Duration.ofSeconds(5), null);
      }
      mesh.killOrchestrator();
      mesh.startOrchestrator();
      mesh.awaitOrchestrator();
      try (MeshClient client = mesh.client(Identity.generate())) {
        // Nothing of the refused jobs was journaled, so nothing is resumed.
        MeshClientException gone =
            assertThrows(MeshClientException.class, () -> client.status("tiny-1"));
        assertEquals(Status.Code.NOT_FOUND, gone.code());
        MeshFixtures.runWordCount(
            client,
            MeshFixtures.wordCountJob(SampleText.generate(2_000, 3), 1_000).build(),
            Duration.ofSeconds(120));
      }
    }
  }
}
