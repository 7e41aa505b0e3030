package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.DelegationNode;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.receipt.v1.AnchoredReceipt;
import io.meshwork.receipt.v1.ListReceiptsByJobRequest;
import io.meshwork.receipt.v1.ListReceiptsByJobResponse;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recursive delegation over real gRPC: a root, two sub-managers and four workers (issue 18, must-
 * shows 1 and 2). Every orchestrator makes the same complexity decision, pays its own executors
 * from a hold of its own mana, merges its subtree and returns one result up.
 */
class DelegationTreeTest {
  // Low enough that a 60 KB word count is cut at the root, at each sub-manager and at each worker.
  private static final Map<String, String> SPLIT_SMALL =
      Map.of("orchestrator.split-threshold", "4096");

  @TempDir Path dataDir;

  @Test
  void sevenOrchestratorsSplitAtTwoLevelsMergeAtEachAndPayEveryTaskOnce() throws Exception {
    List<OrchestratorTree.Node> nodes =
        List.of(
            OrchestratorTree.Node.of(OrchestratorTree.ROOT, 0, "m1", "m2"),
            OrchestratorTree.Node.of("m1", 0, "w1", "w2"),
            OrchestratorTree.Node.of("m2", 0, "w3", "w4"),
            OrchestratorTree.Node.of("w1", 1),
            OrchestratorTree.Node.of("w2", 2),
            OrchestratorTree.Node.of("w3", 1),
            OrchestratorTree.Node.of("w4", 2));
    try (OrchestratorTree tree = OrchestratorTree.start(dataDir, nodes, SPLIT_SMALL)) {
      Identity user = Identity.generate();
      Map<String, Identity> accounts = new HashMap<>(tree.accounts());
      accounts.put("submitter", user);
      Map<String, Long> before = balances(tree, accounts);
      byte[] text = SampleText.generate(60_000, 18);
      JobResult result;
      List<DelegationNode> delegations;
      try (MeshClient client = MeshFixtures.client(tree.root, user)) {
        result =
            MeshFixtures.runWordCount(
                client,
                MeshFixtures.wordCountJob(text, 8_192).manaBudget(100_000).build(),
                Duration.ofSeconds(60));
        delegations = client.tree(result.status().getJobId());
      }
      String jobId = result.status().getJobId();

      // The tree: cut at the root, again at both sub-managers, and again at the workers.
      Map<String, String> names = new HashMap<>();
      tree.orchestrators.forEach((name, id) -> names.put(id.did(), name));
      Set<String> placers = new HashSet<>();
      for (DelegationNode n : delegations) {
        assertEquals("completed", n.getState(), n.toString());
        placers.add(names.get(n.getOrchestratorDid()));
      }
      assertEquals(Set.of("orchestrator", "m1", "m2", "w1", "w2", "w3", "w4"), placers);
      assertTrue(
          delegations.stream().anyMatch(n -> n.getTaskId().split("/").length == 3),
          "parts of parts of the job's parts: " + delegations);
      for (String manager : List.of("m1", "m2")) {
        String did = tree.orchestrators.get(manager).did();
        assertTrue(
            delegations.stream()
                .anyMatch(
                    n -> n.getOrchestratorDid().equals(did) && n.getKind().startsWith("merge")),
            manager + " merged its subtree");
      }

      // Every executor run was paid once, by the orchestrator that placed it, and every
      // delegated part was reimbursed once, to the peer that ran it.
      List<Credit> credits = new ArrayList<>();
      for (Identity id : tree.accounts().values()) {
        try (MeshClient c = MeshFixtures.client(tree.root, id)) {
          postsReceived(c).forEach(e -> credits.add(new Credit(id.did(), e)));
        }
      }
      Set<String> paidOnce = new HashSet<>();
      for (Credit c : credits) {
        assertTrue(
            paidOnce.add(c.entry().getCounterpartyDid() + " " + c.entry().getTaskId()),
            "paid twice: " + c);
      }
      long executorRuns =
          delegations.stream().filter(n -> n.getKind().endsWith("executor")).count();
      long peerRuns = delegations.stream().filter(n -> n.getKind().endsWith("peer")).count();
      Set<String> executorDids = new HashSet<>();
      tree.executors.values().forEach(id -> executorDids.add(id.did()));
      assertEquals(
          executorRuns,
          credits.stream().filter(c -> executorDids.contains(c.owner())).count(),
          "one payment per executor run");
      assertEquals(
          peerRuns,
          credits.stream().filter(c -> !executorDids.contains(c.owner())).count(),
          "one reimbursement per delegated part");

      // No mana made or lost across all accounts, and every hold closed.
      Map<String, Long> after = balances(tree, accounts);
      long change = 0;
      for (String name : accounts.keySet()) {
        change += after.get(name) - before.get(name);
      }
      assertEquals(0, change, "mana is conserved: " + before + " -> " + after);
      for (Identity id : accounts.values()) {
        try (MeshClient c = MeshFixtures.client(tree.root, id)) {
          assertEquals(0, c.balance().account().getHeld(), "no hold left open");
        }
      }

      // Every receipt behind the tree, chunks and merges at every level, is in the log.
      Set<String> anchored = new HashSet<>();
      for (AnchoredReceipt r : anchoredReceipts(tree, jobId)) {
        anchored.add(r.getReceipt().getTaskId() + " " + r.getReceipt().getExecutorDid());
      }
      for (DelegationNode n : delegations) {
        if (n.getKind().endsWith("executor")) {
          assertTrue(anchored.contains(n.getTaskId() + " " + n.getWorker()), "anchored: " + n);
        }
      }
    }
  }

  @Test
  void aLiarTwoLevelsDownIsOutvotedAtItsLevelAndUnpaid() throws Exception {
    List<OrchestratorTree.Node> nodes =
        List.of(
            OrchestratorTree.Node.of(OrchestratorTree.ROOT, 0, "m"),
            OrchestratorTree.Node.of("m", 0, "w"),
            new OrchestratorTree.Node("w", List.of(), 3, Set.of(2)));
    try (OrchestratorTree tree = OrchestratorTree.start(dataDir, nodes, Map.of())) {
      Identity liar = tree.executors.get("w/executor-2");
      byte[] text = SampleText.generate(4_000, 2);
      List<DelegationNode> delegations;
      try (MeshClient client = MeshFixtures.client(tree.root, Identity.generate())) {
        JobRequest job =
            MeshFixtures.wordCountJob(text, 8_192)
                .manaBudget(10_000)
                .verificationMode(VerificationMode.REDUNDANT)
                .build();
        JobResult result = MeshFixtures.runWordCount(client, job, Duration.ofSeconds(60));
        delegations = client.tree(result.status().getJobId());
      }
      String w = tree.orchestrators.get("w").did();
      assertTrue(
          delegations.stream()
              .anyMatch(n -> n.getOrchestratorDid().equals(w) && n.getKind().endsWith("executor")),
          "the work ran two levels down: " + delegations);
      // The liar lies about every chunk it counts (and merges honestly): outvoted 2 to 1 on each
      // chunk by w's other executors, it is paid for no chunk.
      try (MeshClient c = MeshFixtures.client(tree.root, liar)) {
        for (HistoryEntry e : postsReceived(c)) {
          assertTrue(e.getTaskId().endsWith("merge"), "the liar was paid for a chunk: " + e);
        }
      }
      for (String honest : List.of("w/executor-1", "w/executor-3")) {
        try (MeshClient c = MeshFixtures.client(tree.root, tree.executors.get(honest))) {
          assertTrue(
              postsReceived(c).stream().anyMatch(e -> !e.getTaskId().endsWith("merge")),
              honest + " was paid for the chunks it agreed on");
        }
      }
    }
  }

  @Test
  void aCycleOfPeersIsRefusedAtTheSecondVisit() throws Exception {
    // The root and m are each other's peers, each with an executor: the root hands m a range, m
    // hands part of it back, and the root, already on the path, refuses it; m runs it itself.
    List<OrchestratorTree.Node> nodes =
        List.of(
            OrchestratorTree.Node.of(OrchestratorTree.ROOT, 1, "m"),
            OrchestratorTree.Node.of("m", 1, OrchestratorTree.ROOT));
    try (OrchestratorTree tree = OrchestratorTree.start(dataDir, nodes, SPLIT_SMALL)) {
      List<DelegationNode> delegations;
      try (MeshClient client = MeshFixtures.client(tree.root, Identity.generate())) {
        JobResult result =
            MeshFixtures.runWordCount(
                client,
                MeshFixtures.wordCountJob(SampleText.generate(40_000, 3), 8_192)
                    .manaBudget(100_000)
                    .build(),
                Duration.ofSeconds(60));
        delegations = client.tree(result.status().getJobId());
      }
      String m = tree.orchestrators.get("m").did();
      List<DelegationNode> refused =
          delegations.stream().filter(n -> n.getState().startsWith("refused")).toList();
      assertFalse(refused.isEmpty(), "the second visit was refused: " + delegations);
      for (DelegationNode n : refused) {
        assertEquals(m, n.getOrchestratorDid(), "m tried to hand work back: " + n);
        assertTrue(n.getState().contains("already passed"), n.getState());
        String part = n.getTaskId();
        assertTrue(
            delegations.stream()
                .anyMatch(
                    d ->
                        d.getTaskId().equals(part)
                            && d.getOrchestratorDid().equals(m)
                            && d.getKind().equals("executor")
                            && d.getState().equals("completed")),
            "m ran the refused part itself: " + part);
      }
    }
  }

  /** A payment {@code owner} received, as its history records it. */
  private record Credit(String owner, HistoryEntry entry) {}

  /** The payments the client's owner received: POST entries that credit its balance. */
  private static List<HistoryEntry> postsReceived(MeshClient c) {
    return c.history(Optional.empty(), 10_000).stream()
        .filter(e -> e.getKind() == EntryKind.ENTRY_KIND_POST && e.getBalanceDelta() > 0)
        .toList();
  }

  private static Map<String, Long> balances(OrchestratorTree tree, Map<String, Identity> accounts) {
    Map<String, Long> out = new HashMap<>();
    accounts.forEach(
        (name, id) -> {
          try (MeshClient c = MeshFixtures.client(tree.root, id)) {
            out.put(name, c.balance().account().getBalance());
          }
        });
    return out;
  }

  private static List<AnchoredReceipt> anchoredReceipts(OrchestratorTree tree, String jobId) {
    ManagedChannel channel =
        MeshFixtures.userChannel(
            tree.root.endpoint("receipts").grpcPort(), MeshFixtures.caDirOf(tree.root));
    try {
      List<AnchoredReceipt> all = new ArrayList<>();
      String token = "";
      do {
        ListReceiptsByJobResponse page =
            ReceiptServiceGrpc.newBlockingStub(channel)
                .listReceiptsByJob(
                    ListReceiptsByJobRequest.newBuilder()
                        .setJobId(jobId)
                        .setPageSize(1000)
                        .setPageToken(token)
                        .build());
        all.addAll(page.getReceiptsList());
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      return all;
    } finally {
      channel.shutdownNow();
    }
  }
}
