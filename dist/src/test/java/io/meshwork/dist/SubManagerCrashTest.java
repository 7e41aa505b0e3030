package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetComputeCapacityRequest;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, must-show 3: a sub-manager, an orchestrator process of its own with its own executor,
 * killed with SIGKILL in the middle of the range the root delegated to it. The root notices (the
 * sub-manager no longer answers GetDelegation) and runs the range on its own executor; the job
 * completes with the right count, nothing settled is paid again and no mana is made or lost. Then
 * the sub-manager is started again on its journal: it asks the root about the task it had accepted,
 * learns the root no longer awaits it, releases its hold and pays nothing more.
 */
class SubManagerCrashTest {
  private static final long BUDGET = 10_000;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void aSubManagerKilledMidJobIsReplacedAndRestartedPaysNothingMore() throws Exception {
    Identity sub = Identity.loadOrCreate(dataDir.resolve("sub").resolve("sub.key"));
    Identity subExecutor =
        Identity.loadOrCreate(dataDir.resolve("sub-executor").resolve("sub-executor.key"));
    int subPort = MeshFixtures.freePort();
    int subAdmin = MeshFixtures.freePort();
    int subExecutorPort = MeshFixtures.freePort();
    int subExecutorAdmin = MeshFixtures.freePort();
    Identity root =
        Identity.loadOrCreate(dataDir.resolve("orchestrator").resolve("orchestrator.key"));
    Identity rootExecutor =
        Identity.loadOrCreate(dataDir.resolve("executor-1").resolve("executor-1.key"));
    // Small enough that a 40 KB word count is cut at the root and again at the sub-manager.
    Map<String, String> rootSettings =
        MeshProcesses.tolerantTimings(
            "orchestrator.split-threshold",
            "4096",
            "orchestrator.local-slots",
            "0",
            "orchestrator.peers",
            "127.0.0.1:" + subPort,
            "auth.peers",
            sub.did());
    // The ledger and the receipt log serve the sub-manager too, and the log takes its executor's
    // receipts.
    Map<String, Map<String, String>> shared =
        Map.of(
            "ledger", Map.of("auth.orchestrators", root.did() + "," + sub.did()),
            "receipts",
                Map.of(
                    "auth.orchestrators",
                    root.did() + "," + sub.did(),
                    "auth.executors",
                    rootExecutor.did() + "," + subExecutor.did()));
    MeshProcesses.Beside subExecutorService =
        new MeshProcesses.Beside(
            "sub-executor",
            MisbehavingExecutor.class.getName(),
            List.of("slow"),
            subExecutorPort,
            subExecutorAdmin,
            layout -> Map.of("auth.orchestrators", sub.did(), "executor.task-slots", "2"));
    Map<String, String> subSettings =
        new LinkedHashMap<>(
            MeshProcesses.tolerantTimings(
                "orchestrator.split-threshold",
                "4096",
                "orchestrator.local-slots",
                "0",
                "orchestrator.executors",
                "127.0.0.1:" + subExecutorPort,
                "auth.executors",
                subExecutor.did(),
                "auth.peers",
                root.did()));
    MeshProcesses.Beside subService = subManager(subPort, subAdmin, subSettings);
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("slow"),
            rootSettings,
            "512m",
            Map.of(),
            shared,
            List.of(subExecutorService, subService))) {
      Identity user = Identity.generate();
      Map<String, Identity> accounts = new LinkedHashMap<>();
      accounts.put("submitter", user);
      accounts.put("root", root);
      accounts.put("root-executor", rootExecutor);
      accounts.put("sub", sub);
      accounts.put("sub-executor", subExecutor);
      Clients clients = new Clients(mesh);
      Map<String, Long> before = balances(clients, accounts);
      byte[] text = SampleText.generate(40_000, 21);

      try (clients) {
        MeshClient client = clients.of(user);
        // The root counts the sub-manager's capacity when it plans: wait until its executor is
        // live there, so that the root's question finds free slots to delegate to.
        awaitFreeSlots(mesh.caCertificate().getParent(), subPort, root);
        String jobId =
            client.submit(
                MeshFixtures.wordCountJob(text, 8_192).manaBudget(BUDGET).timeoutSecs(300).build());
        // Killed once the sub-manager has paid its executor for a part, before it returned.
        awaitPaid(clients, subExecutor, before.get("sub-executor"));
        ComputeJobStatus atKill = client.status(jobId);
        mesh.kill("sub");
        assertFalse(atKill.getStatus().equals("completed"), "killed mid-job: " + atKill);
        List<HistoryEntry> subPaidBeforeKill = posts(clients, sub, false);
        assertFalse(subPaidBeforeKill.isEmpty(), "the sub-manager paid for a part before it died");

        // (a) The root notices and runs the range elsewhere: the right count, long before the
        // task's five-minute deadline.
        long started = System.nanoTime();
        JobResult result =
            MeshFixtures.awaitWordCount(
                client, jobId, text, Duration.ofSeconds(60), "job " + jobId + " (" + dataDir + ")");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(
            Files.readString(mesh.log("orchestrator")).contains("the peer stopped answering"),
            "the root noticed the lost sub-manager by probing it");
        Map<String, Long> afterJob = balances(clients, accounts);
        assertConserved(before, afterJob);
        assertEachRunPaidOnce(clients, accounts);
        assertEquals(
            before.get("sub") - paid(subPaidBeforeKill),
            afterJob.get("sub"),
            "the sub-manager lost what it paid its executor, and the root reimbursed none of it");
        long stranded = held(clients, sub);
        assertTrue(stranded > 0, "the dead sub-manager's hold is still open");

        // (b) Restarted from its journal, it asks the root, which no longer awaits the task: it
        // releases the hold and pays nothing more.
        mesh.restartBeside(subService);
        awaitLog(mesh, "sub", "abandoned delegation");
        awaitHeld(clients, sub, 0);
        assertEquals(
            subPaidBeforeKill.size(),
            posts(clients, sub, false).size(),
            "no new payment after restart");
        Map<String, Long> afterRestart = balances(clients, accounts);
        assertConserved(before, afterRestart);
        assertEquals(afterJob, afterRestart, "the restart moved no mana, only released the hold");
        assertEachRunPaidOnce(clients, accounts);
        for (Identity id : accounts.values()) {
          assertEquals(0, held(clients, id), "no hold left open");
        }
        assertEquals(
            before.get("sub") - paid(subPaidBeforeKill),
            afterRestart.get("sub"),
            "the sub-manager bears what it paid for the abandoned task; the root reimbursed none");
        System.out.println(
            "sub-manager crash: killed at "
                + atKill.getCompletedChunks()
                + "/"
                + atKill.getTotalChunks()
                + " chunks with "
                + subPaidBeforeKill.size()
                + " parts paid by it; job completed "
                + tookMillis
                + " ms after the kill; restart abandoned the task and released "
                + stranded
                + " held mana");
        assertEquals(BUDGET, result.status().getManaSpent() + result.status().getManaRefunded());
      }
    }
  }

  /** The sub-manager's process: an orchestrator that settles through the mesh's ledger and log. */
  private static MeshProcesses.Beside subManager(
      int port, int admin, Map<String, String> settings) {
    return new MeshProcesses.Beside(
        "sub",
        Meshwork.class.getName(),
        List.of("serve", "orchestrator"),
        port,
        admin,
        layout -> {
          Map<String, String> all = new LinkedHashMap<>(settings);
          all.put("orchestrator.ledger", layout.target("ledger"));
          all.put("orchestrator.receipts", layout.target("receipts"));
          return all;
        });
  }

  /** One client per account, each reading its own account on the mesh's ledger. */
  private static final class Clients implements AutoCloseable {
    private final MeshProcesses mesh;
    private final Map<String, MeshClient> byDid = new LinkedHashMap<>();

    Clients(MeshProcesses mesh) {
      this.mesh = mesh;
    }

    MeshClient of(Identity id) {
      return byDid.computeIfAbsent(id.did(), d -> mesh.client(id));
    }

    @Override
    public void close() {
      byDid.values().forEach(MeshClient::close);
    }
  }

  private static Map<String, Long> balances(Clients clients, Map<String, Identity> accounts) {
    Map<String, Long> out = new LinkedHashMap<>();
    accounts.forEach((name, id) -> out.put(name, clients.of(id).balance().account().getBalance()));
    return out;
  }

  private static long held(Clients clients, Identity id) {
    return clients.of(id).balance().getHeld();
  }

  /** Every account's balance (held mana included) adds up to what it did before: none made. */
  private static void assertConserved(Map<String, Long> before, Map<String, Long> after) {
    long change = 0;
    for (String name : before.keySet()) {
      change += after.get(name) - before.get(name);
    }
    assertEquals(0, change, "mana is conserved: " + before + " -> " + after);
  }

  /**
   * No account was paid twice for one task by one payer: every executor run and every delegated
   * part is paid at most once, whatever was run again elsewhere.
   */
  private static void assertEachRunPaidOnce(Clients clients, Map<String, Identity> accounts) {
    Set<String> seen = new HashSet<>();
    for (Identity id : accounts.values()) {
      for (HistoryEntry e : posts(clients, id, true)) {
        assertTrue(
            seen.add(id.did() + " " + e.getCounterpartyDid() + " " + e.getTaskId()),
            "paid twice: " + e);
      }
    }
  }

  /** The payments into ({@code received}) or out of the account of {@code id}. */
  private static List<HistoryEntry> posts(Clients clients, Identity id, boolean received) {
    return clients.of(id).history(Optional.empty(), 10_000).stream()
        .filter(e -> e.getKind() == EntryKind.ENTRY_KIND_POST)
        .filter(e -> received == e.getBalanceDelta() > 0)
        .toList();
  }

  private static long paid(List<HistoryEntry> payments) {
    return payments.stream().mapToLong(e -> -e.getBalanceDelta()).sum();
  }

  private static void awaitFreeSlots(Path caDir, int port, Identity asPeer)
      throws InterruptedException {
    ManagedChannel channel = MeshFixtures.partyChannel(port, caDir, asPeer);
    try {
      var stub = ComputeServiceGrpc.newBlockingStub(channel);
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (stub.withDeadlineAfter(10, TimeUnit.SECONDS)
              .getComputeCapacity(GetComputeCapacityRequest.getDefaultInstance())
              .getTreeFreeSlots()
          == 0) {
        if (System.nanoTime() > until) {
          throw new AssertionError("the sub-manager's executor never became live there");
        }
        Thread.sleep(100);
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private static void awaitPaid(Clients clients, Identity executor, long before)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (clients.of(executor).balance().account().getBalance() <= before) {
      if (System.nanoTime() > until) {
        throw new AssertionError("the sub-manager never paid its executor");
      }
      Thread.sleep(50);
    }
  }

  private static void awaitHeld(Clients clients, Identity id, long held)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (held(clients, id) != held) {
      if (System.nanoTime() > until) {
        throw new AssertionError(id.did() + " still holds " + held(clients, id));
      }
      Thread.sleep(100);
    }
  }

  private static void awaitLog(MeshProcesses mesh, String service, String line) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.readString(mesh.log(service)).contains(line)) {
      if (System.nanoTime() > until) {
        throw new AssertionError(service + " never logged \"" + line + "\"");
      }
      Thread.sleep(100);
    }
  }
}
