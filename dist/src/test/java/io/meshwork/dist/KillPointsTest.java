package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.orchestrator.jobs.SettlementGaps.Gap;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, must-shows 4 and 1 (hold expiry): a test hook ({@link KillPoints}) halts the
 * orchestrator at each gap of a task's settlement (after anchoring, before journaling; after
 * journaling, before paying; after paying, before marking paid) and records that it fired; after
 * each restart the job completes, every task is paid exactly once, every receipt is anchored once
 * (the log grew by exactly the job's receipts), and mana is conserved. After the kill between
 * journaling and paying the orchestrator stays down past its hold lease (3 s here), so the job's
 * hold expires: on restart the journaled-but-unpaid task is still paid, from a hold taken in place
 * of the expired one.
 */
class KillPointsTest {
  private static final long BUDGET = 1_000;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void aCrashAtEachGapOfASettlementLosesNothingAndPaysNothingTwice() throws Exception {
    Path arm = dataDir.resolve("kill-point");
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("honest", "honest"),
            MeshProcesses.tolerantTimings("orchestrator.hold-lease", "PT3S"),
            "512m",
            Map.of(KillPoints.ARM, arm.toString()))) {
      Identity user = Identity.generate();
      for (Gap gap : Gap.values()) {
        byte[] text = SampleText.generate(4_000, gap.ordinal() + 7);
        MeshProcesses.Balances before;
        long logBefore;
        String jobId;
        try (MeshClient client = mesh.client(user)) {
          before = mesh.balances(client);
          logBefore = client.checkpoint().getTreeSize();
          Path file = Files.write(dataDir.resolve(gap + ".txt"), text);
          String cid = client.upload(file).cid();
          KillPoints.arm(arm, gap);
          jobId =
              client.submit(
                  StoredInputJobTest.wordCountOf(cid, 1_000)
                      .manaBudget(BUDGET)
                      .timeoutSecs(300)
                      .build());
        }
        assertTrue(
            mesh.process("orchestrator").waitFor(60, TimeUnit.SECONDS),
            "the orchestrator halted at " + gap);
        assertTrue(KillPoints.fired(arm).contains(gap.name()), "the hook fired at " + gap);
        if (gap == Gap.AFTER_JOURNAL) {
          // Down past the hold lease: the ledger expires the hold.
          Thread.sleep(5_000);
        }
        mesh.startOrchestrator();
        mesh.awaitOrchestrator();
        try (MeshClient client = mesh.client(user)) {
          MeshFixtures.awaitWordCount(
              client, jobId, text, Duration.ofSeconds(90), "the job after the kill at " + gap);
          SettlementOutagesTest.awaitNothingHeld(client);
          JobResult result = client.result(jobId, Duration.ofSeconds(10));
          List<HistoryEntry> history = client.history(Optional.of(jobId), 1_000);
          // The hold may have expired after any kill (a restart on a busy machine can take longer
          // than the 3 s lease); after the one between journaling and paying it surely did.
          assertPaidOnceByTask(result, history);
          if (gap == Gap.AFTER_JOURNAL) {
            assertTrue(
                history.stream().anyMatch(e -> e.getKind() == EntryKind.ENTRY_KIND_EXPIRE),
                "the job's hold expired while the orchestrator was down: " + history);
            assertEquals(
                2,
                history.stream().filter(e -> e.getKind() == EntryKind.ENTRY_KIND_HOLD).count(),
                "a hold in place of the expired one");
          }
          assertConserved(mesh, client, before, result);
          assertAnchoredOnce(client, logBefore, result);
        }
      }
      System.out.println("kill points fired: " + KillPoints.fired(arm).trim().replace('\n', ','));
    }
  }

  /** Every task has one receipt and exactly one post, for the receipt's price. */
  private static void assertPaidOnceByTask(JobResult result, List<HistoryEntry> history) {
    Map<String, Long> price =
        result.receipts().stream()
            .collect(Collectors.toMap(ReceiptRef::getTaskId, ReceiptRef::getPrice));
    Map<String, List<HistoryEntry>> posts =
        history.stream()
            .filter(e -> e.getKind() == EntryKind.ENTRY_KIND_POST)
            .collect(Collectors.groupingBy(HistoryEntry::getTaskId));
    assertEquals(price.keySet(), posts.keySet(), "every settled task was paid: " + history);
    posts.forEach(
        (task, p) -> {
          assertEquals(1, p.size(), task + " paid once: " + p);
          assertEquals(-price.get(task), p.get(0).getBalanceDelta(), p.toString());
        });
  }

  /** The submitter lost exactly what its receipts paid, the executors gained it, nothing held. */
  private static void assertConserved(
      MeshProcesses mesh, MeshClient client, MeshProcesses.Balances before, JobResult result) {
    long paid = result.receipts().stream().mapToLong(ReceiptRef::getPrice).sum();
    assertEquals(before.submitter() - paid, client.balance().getBalance(), "the submitter paid");
    assertEquals(0, client.balance().getHeld(), "nothing stays held");
    long gained = 0;
    for (int n = 1; n < before.executors().length; n++) {
      gained += mesh.executorBalance(n) - before.executors()[n];
    }
    assertEquals(paid, gained, "the executors gained exactly what the submitter paid");
  }

  /**
   * Every receipt of the job is in the log exactly once, at the index its reference names, and no
   * leaf appended since {@code logBefore} repeats another. (A task anchored but not journaled
   * before a kill runs again after the restart, and its new run's receipt is a leaf of its own: the
   * abandoned run's receipt stays in the log, once, as every anchored receipt does.)
   */
  private static void assertAnchoredOnce(MeshClient client, long logBefore, JobResult result)
      throws InterruptedException {
    long expected = logBefore + result.receipts().size();
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (client.checkpoint().getTreeSize() < expected && System.nanoTime() < until) {
      Thread.sleep(200);
    }
    long size = client.checkpoint().getTreeSize();
    List<String> leaves =
        client.leaves(logBefore, (int) (size - logBefore)).getLeavesList().stream()
            .map(l -> Cid.of(l.toByteArray()))
            .toList();
    assertEquals(leaves.size(), leaves.stream().distinct().count(), "no leaf twice: " + leaves);
    for (ReceiptRef ref : result.receipts()) {
      assertEquals(
          1, leaves.stream().filter(ref.getReceiptCid()::equals).count(), "anchored once: " + ref);
      assertEquals(
          ref.getReceiptCid(), leaves.get((int) (ref.getLogIndex() - logBefore)), ref.toString());
    }
  }
}
