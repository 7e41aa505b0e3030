package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.wasm.abi.SampleText;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each service as its own JVM, started with {@code meshwork serve SERVICE --set ...} as the
 * deployment manifests run them, talking gRPC over loopback; a multi-chunk job checked end to end.
 */
class SeparateProcessesTest {
  @TempDir static Path dataDir;
  static final List<Process> processes = new ArrayList<>();
  static final Map<String, Identity> ids = new LinkedHashMap<>();
  static MeshLayout layout;

  @BeforeAll
  static void startServices() throws Exception {
    layout = MeshFixtures.freeLayout(2);
    for (String name : layout.services()) {
      ids.put(name, Identity.loadOrCreate(dataDir.resolve(name).resolve(name + ".key")));
    }
    // Each service is told only the role lists it reads (docs/AUTH.md); any other key stops it.
    String orchestrator = "auth.orchestrators=" + ids.get("orchestrator").did();
    String executors =
        "auth.executors="
            + String.join(",", layout.executorNames().stream().map(n -> ids.get(n).did()).toList());
    start("ledger", "ledger", orchestrator);
    start("receipts", "receipts", orchestrator, executors);
    for (String executor : layout.executorNames()) {
      start("executor", executor, orchestrator);
    }
    start(
        "orchestrator",
        "orchestrator",
        executors,
        "orchestrator.executors=" + String.join(",", layout.executorTargets()),
        "orchestrator.ledger=" + layout.target("ledger"),
        "orchestrator.receipts=" + layout.target("receipts"));
    for (String name : layout.services()) {
      MeshFixtures.awaitServing(
          layout.grpcPort(name), caDir(), java.time.Duration.ofSeconds(180), null);
    }
  }

  private static Path caDir() {
    return MeshFixtures.caDir(dataDir);
  }

  /** Starts {@code meshwork serve SERVICE} as the mesh's service {@code name}, on its ports. */
  private static void start(String service, String name, String... extra) throws Exception {
    List<String> command = TestJvm.java();
    command.add(Meshwork.class.getName());
    command.add("serve");
    command.add(service);
    List<String> settings =
        new ArrayList<>(
            List.of(
                "grpc.port=" + layout.grpcPort(name),
                "admin.port=" + layout.adminPort(name),
                "data-dir=" + dataDir.resolve(name),
                "identity.file=" + dataDir.resolve(name).resolve(name + ".key"),
                "mesh.dev-mode=true",
                // One development CA for the mesh, which the first service to start creates.
                "tls.dev-ca=" + caDir()));
    settings.addAll(List.of(extra));
    for (String s : settings) {
      command.add("--set");
      command.add(s);
    }
    File log = dataDir.resolve(name + ".log").toFile();
    processes.add(
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start());
  }

  @AfterAll
  static void stopServices() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void aMultiChunkJobIsComputedPaidAndAnchoredAcrossProcesses() throws Exception {
    byte[] text = SampleText.generate(200_000, 11);
    Identity user = Identity.generate();
    String e1 = ids.get("executor-1").did();
    String e2 = ids.get("executor-2").did();
    int ledger = layout.grpcPort("ledger");
    try (MeshClient client = MeshFixtures.client(layout, caDir().resolve("ca.pem"), user)) {
      long before = client.balance().getBalance();
      long e1Before = MeshFixtures.balance(ledger, caDir(), ids.get("executor-1"));
      long e2Before = MeshFixtures.balance(ledger, caDir(), ids.get("executor-2"));
      JobResult result =
          MeshFixtures.runWordCount(
              client,
              MeshFixtures.wordCountJob(text, 20_000).manaBudget(1_000).build(),
              Duration.ofSeconds(90));
      assertTrue(result.status().getTotalChunks() >= 10, "a multi-chunk job");

      long paid = result.receipts().stream().mapToLong(ReceiptRef::getPrice).sum();
      long after = client.balance().getBalance();
      long e1Gain = MeshFixtures.balance(ledger, caDir(), ids.get("executor-1")) - e1Before;
      long e2Gain = MeshFixtures.balance(ledger, caDir(), ids.get("executor-2")) - e2Before;
      assertEquals(before - paid, after);
      assertEquals(
          paid,
          e1Gain + e2Gain,
          "total mana is unchanged: the submitter's loss is the executors' gain");
      assertEquals(0, client.balance().getHeld());

      for (ExecutionReceipt receipt :
          MeshFixtures.assertAnchored(layout.grpcPort("receipts"), caDir(), result.receipts())) {
        assertTrue(List.of(e1, e2).contains(receipt.getExecutorDid()));
      }
    }
  }

  @Test
  void everyProcessSpeaksOnlyTlsAndThePartiesRolesComeWithTheirCertificates() {
    for (String name : layout.services()) {
      MeshFixtures.assertRefusesPlaintext(name, layout.grpcPort(name));
    }
    // The orchestrator process pays executors through the ledger's orchestrator-only RPCs, so the
    // job above went through only because it called with its certificate. Its token alone, over
    // TLS, is a user's, and the ledger refuses it before looking for the hold.
    Identity orchestrator = ids.get("orchestrator");
    int ledger = layout.grpcPort("ledger");
    VoidHoldRequest unknownHold =
        VoidHoldRequest.newBuilder().setRequestId("probe").setHoldId("no-such-hold").build();
    ManagedChannel certified = MeshFixtures.partyChannel(ledger, caDir(), orchestrator);
    ManagedChannel tokenOnly = MeshFixtures.userChannel(ledger, caDir());
    try {
      StatusRuntimeException looked =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  LedgerServiceGrpc.newBlockingStub(certified)
                      .withDeadlineAfter(30, TimeUnit.SECONDS)
                      .voidHold(unknownHold));
      assertEquals("HOLD_NOT_FOUND", MeshFixtures.errorInfo(looked).getReason());
      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  LedgerServiceGrpc.newBlockingStub(tokenOnly)
                      .withCallCredentials(new BearerCredentials(orchestrator))
                      .withDeadlineAfter(30, TimeUnit.SECONDS)
                      .voidHold(unknownHold));
      ErrorInfo info = MeshFixtures.errorInfo(refused);
      assertEquals("ROLE_REQUIRED", info.getReason());
      assertEquals("orchestrator", info.getMetadataOrThrow("certificate_roles"));
    } finally {
      certified.shutdownNow();
      tokenOnly.shutdownNow();
    }
  }
}
