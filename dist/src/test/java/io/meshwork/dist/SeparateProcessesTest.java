package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.SplitStrategy;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.ReceiptVerifier;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.wasm.abi.SampleText;
import java.io.File;
import java.nio.charset.StandardCharsets;
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
  static int base;

  @BeforeAll
  static void startServices() throws Exception {
    base = MeshFixtures.freePortBlock(5);
    for (String name : List.of("orchestrator", "ledger", "receipts", "executor-1", "executor-2")) {
      ids.put(name, Identity.loadOrCreate(dataDir.resolve(name).resolve(name + ".key")));
    }
    String dids = String.join(",", ids.values().stream().map(Identity::did).toList());
    start("ledger", "ledger", base + 1, dids);
    start("receipts", "receipts", base + 2, dids);
    start("executor", "executor-1", base + 3, dids);
    start("executor", "executor-2", base + 4, dids);
    start(
        "orchestrator",
        "orchestrator",
        base,
        dids,
        "orchestrator.executors=127.0.0.1:" + (base + 3) + ",127.0.0.1:" + (base + 4),
        "orchestrator.ledger=127.0.0.1:" + (base + 1),
        "orchestrator.receipts=127.0.0.1:" + (base + 2));
    for (int port = base; port < base + 5; port++) {
      MeshFixtures.awaitServing(port, java.time.Duration.ofSeconds(60), null);
    }
  }

  private static void start(String service, String name, int port, String dids, String... extra)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Meshwork.class.getName());
    command.add("serve");
    command.add(service);
    List<String> settings =
        new ArrayList<>(
            List.of(
                "grpc.port=" + port,
                "admin.port=" + (port + 1000),
                "data-dir=" + dataDir.resolve(name),
                "identity.file=" + dataDir.resolve(name).resolve(name + ".key"),
                "auth.service-dids=" + dids,
                "mesh.dev-mode=true"));
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
    Identity reader = ids.get("orchestrator");
    String e1 = ids.get("executor-1").did();
    String e2 = ids.get("executor-2").did();
    try (MeshClient client =
        MeshClient.connect(
            MeshClientOptions.newBuilder()
                .orchestratorTarget("127.0.0.1:" + base)
                .ledgerTarget("127.0.0.1:" + (base + 1))
                .identity(user)
                .build())) {
      long before = client.balance().getBalance();
      long e1Before = MeshFixtures.balance(base + 1, reader, e1);
      long e2Before = MeshFixtures.balance(base + 1, reader, e2);
      String jobId =
          client.submit(
              JobRequest.newBuilder()
                  .wasmModule(MeshFixtures.wordCount())
                  .input(text)
                  .splitStrategy(SplitStrategy.LINES)
                  .maxChunkSize(20_000)
                  .manaBudget(1_000)
                  .build());
      JobResult result = client.result(jobId, Duration.ofSeconds(90));
      assertTrue(result.success(), result.error());
      assertEquals(
          Long.toString(SampleText.countWords(text)),
          new String(result.bytes(), StandardCharsets.US_ASCII));
      assertTrue(result.status().getTotalChunks() >= 10, "a multi-chunk job");

      long paid = result.receipts().stream().mapToLong(ReceiptRef::getPrice).sum();
      long after = client.balance().getBalance();
      long e1Gain = MeshFixtures.balance(base + 1, reader, e1) - e1Before;
      long e2Gain = MeshFixtures.balance(base + 1, reader, e2) - e2Before;
      assertEquals(before - paid, after);
      assertEquals(
          paid,
          e1Gain + e2Gain,
          "total mana is unchanged: the submitter's loss is the executors' gain");
      assertEquals(0, client.balance().getHeld());

      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", base + 2).usePlaintext().build();
      try {
        var log =
            ReceiptServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(new BearerCredentials(user));
        for (ReceiptRef ref : result.receipts()) {
          var stored =
              log.getReceipt(GetReceiptRequest.newBuilder().setCid(ref.getReceiptCid()).build());
          ExecutionReceipt receipt = stored.getReceipt();
          ReceiptVerifier.verify(receipt);
          assertEquals(ref.getReceiptCid(), ReceiptCodec.cid(receipt));
          assertEquals(ref.getLogIndex(), stored.getLogIndex());
          assertTrue(List.of(e1, e2).contains(receipt.getExecutorDid()));
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
