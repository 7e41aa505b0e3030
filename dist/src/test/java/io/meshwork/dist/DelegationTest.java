package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base case of recursive delegation: orchestrator A delegates every chunk to orchestrator B,
 * which runs them on its own executor and returns the results through A's ReturnTaskResult; A
 * verifies, anchors, pays B's executor and merges.
 */
class DelegationTest {
  @TempDir Path dataDir;

  @Test
  void chunksDelegatedToAnotherOrchestratorComeBackVerifiedAndPaid() throws Exception {
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
            ExecutorNode::create);
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
                    "orchestrator.executors", b.target("executor-1"),
                    "orchestrator.ledger", a.target("ledger"),
                    "orchestrator.receipts", a.target("receipts"))),
            OrchestratorService::create);
    // A's mesh adds B to its lists: its ledger and receipt log work for B too, its receipt log
    // takes the receipts of B's executor, and A's orchestrator knows B as a peer.
    try (DevMesh meshA =
        DevMesh.start(
            dataDir,
            a,
            Map.of(
                "auth.orchestrators",
                orchestratorB,
                "auth.executors",
                ids.get("executor-b").did(),
                "auth.peers",
                orchestratorB,
                "orchestrator.peers",
                b.target("orchestrator"),
                "orchestrator.delegation-threshold",
                "0"))) {
      byte[] text = SampleText.generate(60_000, 5);
      String execB = ids.get("executor-b").did();
      String execA = ids.get("executor-1").did();
      int ledger = meshA.endpoint("ledger").grpcPort();
      long execBBefore =
          MeshFixtures.balance(ledger, MeshFixtures.caDir(dataDir), ids.get("executor-b"));
      try (MeshClient client = MeshFixtures.client(meshA, Identity.generate())) {
        JobResult result =
            MeshFixtures.runWordCount(
                client,
                MeshFixtures.wordCountJob(text, 10_000).manaBudget(1_000).build(),
                Duration.ofSeconds(60));
        long paidToB = 0;
        for (ReceiptRef r : result.receipts()) {
          if (r.getTaskId().endsWith(":merge")) {
            assertEquals(execA, r.getExecutorDid(), "A merges on its own executor");
          } else {
            assertEquals(execB, r.getExecutorDid(), "every chunk ran on B's executor");
            paidToB += r.getPrice();
          }
        }
        assertTrue(paidToB > 0);
        assertEquals(
            paidToB,
            MeshFixtures.balance(ledger, MeshFixtures.caDir(dataDir), ids.get("executor-b"))
                - execBBefore);
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
