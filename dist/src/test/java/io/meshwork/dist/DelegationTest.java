package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.executor.work.OrchestratorLink;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.wasm.abi.SampleText;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base case of recursive delegation: orchestrator A shares a job's chunks out between its own
 * executor and orchestrator B, which runs its range on its own executor (cut again and merged
 * there), pays that executor from a hold of its own mana, and returns the one result through A's
 * ReturnTaskResult; A verifies, anchors, reimburses B and merges.
 */
class DelegationTest {
  @TempDir Path dataDir;

  @Test
  void chunksDelegatedToAnotherOrchestratorComeBackVerifiedAndPaid() throws Exception {
    delegate(
        false,
        Map.of(),
        MeshFixtures.wordCountJob(SampleText.generate(60_000, 5), 10_000).manaBudget(1_000),
        (result, mesh) -> {
          long paidToB = 0;
          for (ReceiptRef r : result.receipts()) {
            if (r.getTaskId().endsWith(":merge")) {
              assertEquals(mesh.execA, r.getExecutorDid(), "A merges on its own executor");
            } else if (r.getExecutorDid().equals(mesh.orchestratorB)) {
              paidToB += r.getPrice();
            } else {
              assertEquals(mesh.execA, r.getExecutorDid(), "A's share ran on A's executor");
            }
          }
          assertTrue(paidToB > 0, "B took a range of the chunks");
          assertEquals(paidToB, mesh.execBEarned(), "B paid its executor what A reimbursed");
          assertEquals(0, mesh.orchestratorBEarned(), "B advanced the pay and got it back");
        });
  }

  @Test
  void aPeerVouchingForFabricatedResultsIsCaughtByTheDelegatorsAuditsAndNotPaid() throws Exception {
    // B's only executor lies on every chunk, with honestly signed receipts over its lies, and B
    // signs the results as its own: well-formed fabrications. A audits every delegated result.
    delegate(
        true,
        Map.of("orchestrator.sample.rate", "1.0", "orchestrator.sample.record-halving", "1e12"),
        MeshFixtures.wordCountJob(SampleText.generate(60_000, 5), 10_000)
            .manaBudget(2_000)
            .verificationMode(VerificationMode.SAMPLE),
        (result, mesh) -> {
          // runWordCount already checked the count: A's own runs stood, not B's lies.
          for (ReceiptRef r : result.receipts()) {
            assertEquals(mesh.execA, r.getExecutorDid(), "every result that stood ran on A");
          }
          assertTrue(mesh.resultsOfB().getAsInt() > 0, "B's executor ran chunks and lied");
          // B vouched for its executor's lies and paid it from its own hold; A reimburses none.
          assertEquals(
              -mesh.execBEarned(), mesh.orchestratorBEarned(), "the fabrications were not paid");
        });
  }

  /** What a delegation test checks once the job has run. */
  private interface Check {
    void check(JobResult result, Meshes mesh) throws Exception;
  }

  /**
   * The two meshes' executors, what B's earned during the job, and how many results B's executor
   * handed back to B.
   */
  private record Meshes(
      String execA,
      String execB,
      String orchestratorB,
      LongSupplier earnedByB,
      LongSupplier earnedByOrchestratorB,
      IntSupplier resultsOfB) {
    long execBEarned() {
      return earnedByB.getAsLong();
    }

    long orchestratorBEarned() {
      return earnedByOrchestratorB.getAsLong();
    }
  }

  /** B's executor with {@code behaviour}, counting each result it hands back, either way. */
  private static ExecutorNode.Alterations counted(String behaviour, AtomicInteger results) {
    ExecutorNode.Alterations base = MisbehavingExecutor.alterations(Set.of(behaviour));
    return new ExecutorNode.Alterations(
        base.engine(),
        l -> {
          OrchestratorLink inner = base.link().apply(l);
          return new OrchestratorLink() {
            @Override
            public boolean deliver(String endpoint, ComputeTaskResult result) {
              results.incrementAndGet();
              return inner.deliver(endpoint, result);
            }

            @Override
            public byte[] fetchModule(String endpoint, String moduleCid) {
              return inner.fetchModule(endpoint, moduleCid);
            }

            @Override
            public void fetchRange(
                String endpoint,
                String blobCid,
                long offset,
                long length,
                Duration deadline,
                Consumer<ByteBuffer> frames) {
              inner.fetchRange(endpoint, blobCid, offset, length, deadline, frames);
            }
          };
        },
        base.answers(),
        r -> {
          results.incrementAndGet();
          return base.inlineResults().apply(r);
        });
  }

  /**
   * Runs {@code job} on mesh A, which delegates every chunk to orchestrator B (with B's executor
   * lying when {@code liarB}), and checks the result.
   */
  private void delegate(
      boolean liarB, Map<String, String> extraA, JobRequest.Builder job, Check check)
      throws Exception {
    AtomicInteger resultsOfB = new AtomicInteger();
    MeshLayout a = MeshFixtures.freeLayout(1);
    // B is a mesh of an orchestrator and one executor that settles through A's ledger and receipt
    // log: of its layout only those two ports are used.
    MeshLayout b = MeshFixtures.freeLayout(1);
    Map<String, Identity> ids = new LinkedHashMap<>();
    for (String n :
        List.of(
            "orchestrator", "ledger", "receipts", "executor-1", "orchestrator-b", "executor-b")) {
      ids.put(n, Identity.loadOrCreate(dataDir.resolve(n).resolve(n + ".key")));
    }
    String orchestratorA = ids.get("orchestrator").did();
    String orchestratorB = ids.get("orchestrator-b").did();

    // B's executor serves B; B knows its executor, and A as a peer.
    ServiceHost executorB =
        ServiceHost.start(
            "executor-b",
            ExecutorSettings.SCHEMA,
            settings(
                "executor-b",
                b.grpcPort("executor-1"),
                Map.of("auth.orchestrators", orchestratorB)),
            ctx -> ExecutorNode.create(ctx, counted(liarB ? "liar" : "honest", resultsOfB)));
    ServiceHost hostB =
        ServiceHost.start(
            "orchestrator-b",
            OrchestratorSettings.SCHEMA,
            settings(
                "orchestrator-b",
                b.grpcPort("orchestrator"),
                Map.of(
                    "auth.executors", ids.get("executor-b").did(),
                    "auth.peers", orchestratorA,
                    // B's one executor is the liar: no fallback of its own to run honestly.
                    "orchestrator.local-slots", "0",
                    "orchestrator.executors", b.target("executor-1"),
                    "orchestrator.ledger", a.target("ledger"),
                    "orchestrator.receipts", a.target("receipts"))),
            OrchestratorService::create);
    // A's mesh adds B to its lists: its ledger and receipt log work for B too, its receipt log
    // takes the receipts of B's executor, and A's orchestrator knows B as a peer.
    Map<String, String> settingsA = new HashMap<>(extraA);
    settingsA.putAll(
        Map.of(
            "auth.orchestrators",
            orchestratorB,
            "auth.executors",
            ids.get("executor-b").did(),
            "auth.peers",
            orchestratorB,
            "orchestrator.peers",
            b.target("orchestrator"),
            // A's results come from its one executor, which the checks name.
            "orchestrator.local-slots",
            "0"));
    try (DevMesh meshA = DevMesh.start(dataDir, a, settingsA)) {
      String execB = ids.get("executor-b").did();
      String execA = ids.get("executor-1").did();
      int ledger = meshA.endpoint("ledger").grpcPort();
      Path ca = MeshFixtures.caDir(dataDir);
      long execBBefore = MeshFixtures.balance(ledger, ca, ids.get("executor-b"));
      long orchestratorBBefore = MeshFixtures.balance(ledger, ca, ids.get("orchestrator-b"));
      try (MeshClient client = MeshFixtures.client(meshA, Identity.generate())) {
        JobRequest request = job.build();
        JobResult result = MeshFixtures.runWordCount(client, request, Duration.ofSeconds(120));
        check.check(
            result,
            new Meshes(
                execA,
                execB,
                orchestratorB,
                () -> MeshFixtures.balance(ledger, ca, ids.get("executor-b")) - execBBefore,
                () ->
                    MeshFixtures.balance(ledger, ca, ids.get("orchestrator-b"))
                        - orchestratorBBefore,
                resultsOfB::get));
      }
    } finally {
      hostB.close();
      executorB.close();
    }
  }

  private MapSettings settings(String name, int port, Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(extra);
    m.put("grpc.host", "127.0.0.1");
    m.put("grpc.port", Integer.toString(port));
    m.put("data-dir", dataDir.resolve(name).toString());
    m.put("identity.file", dataDir.resolve(name).resolve(name + ".key").toString());
    m.put("mesh.dev-mode", "true");
    // B's services take their certificates from the same development CA as mesh A's.
    m.put("tls.dev-ca", MeshFixtures.caDir(dataDir).toString());
    return new MapSettings(m);
  }
}
