package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.content.Cid;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.receipt.format.ReceiptSigner;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshwork receipt get|proof|verify|fsck|log-key} against the real receipt service over the
 * in-process transport; {@code verify} is run with a connector that fails, proving it needs none.
 */
class ReceiptCommandTest {
  private static final String ORIGIN = "cli.test/receipts";

  @TempDir Path dir;

  private final Identity orchestrator = Identity.generate();
  private final Identity executor = Identity.generate();
  private ServiceHost host;
  private ManagedChannel channel;
  private String logKey;
  private List<ExecutionReceiptAvailableV1> anchored;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() {
    String name = InProcessServerBuilder.generateName();
    host =
        ServiceHost.start(
            "receipts",
            ReceiptSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir",
                    dir.resolve("data").toString(),
                    "receipts.origin",
                    ORIGIN,
                    "auth.orchestrators",
                    orchestrator.did(),
                    "auth.executors",
                    executor.did())),
            ReceiptService::create,
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    channel = InProcessChannelBuilder.forName(name).build();
    logKey = SignedNote.verifierKey(ORIGIN, host.context().identity().publicKey());
    List<ExecutionReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      receipts.add(receipt("task-" + i));
    }
    anchored =
        ReceiptServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(new BearerCredentials(orchestrator))
            .anchorReceipts(AnchorReceiptsRequest.newBuilder().addAllReceipts(receipts).build())
            .getAnchoredList();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    host.close();
  }

  private ExecutionReceipt receipt(String task) {
    return ReceiptSigner.sign(
        ExecutionReceipt.newBuilder()
            .setVersion(1)
            .setTaskId(task)
            .setJobId("job-cli")
            .setExecutorDid(executor.did())
            .setModuleCid(Cid.of(new byte[] {1}))
            .setInputCid(Cid.of(task.getBytes(StandardCharsets.UTF_8)))
            .setOutputCid(Cid.of(new byte[] {3}))
            .setFuelUsed(10)
            .setLimits(ResourceLimits.newBuilder().setFuel(100))
            .setEngine("chicory-compiler")
            .setEngineVersion("1.7.5")
            .setStartedAt(1_700_000_000_000L)
            .setFinishedAt(1_700_000_000_100L)
            .setExportName("execute")
            .build(),
        executor);
  }

  private Run run(String... args) {
    return run(options -> MeshClient.over(channel, channel, channel, options), args);
  }

  private Run run(Function<MeshClientOptions, MeshClient> connector, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var commandLine = MeshCli.commandLine(connector);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve("home").toString()));
    all.addAll(Arrays.asList(args));
    int exit = commandLine.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  /** A connector that fails the test if a command tries to reach the network. */
  private static MeshClient noNetwork(MeshClientOptions options) {
    throw new AssertionError("an offline command asked for a connection");
  }

  @Test
  void getsAReceiptAndPrintsItsProofBundle() {
    String cid = anchored.get(3).getReceiptCid();
    Run get = run("receipt", "get", cid);
    assertEquals(0, get.exit(), get.err());
    assertTrue(get.out().contains("log index      3"), get.out());
    assertTrue(get.out().contains("task-3"), get.out());

    Run json = run("receipt", "get", cid, "--json");
    assertTrue(json.out().startsWith("{\"cid\":\"" + cid + "\""), json.out());
    assertTrue(json.out().contains("\"log_index\":3"), json.out());

    Run proof = run("receipt", "proof", cid);
    assertEquals(0, proof.exit(), proof.err());
    assertTrue(proof.out().startsWith("c2sp.org/tlog-proof@v1\nextra "), proof.out());
    assertTrue(proof.out().contains("\nindex 3\n"), proof.out());

    Run missing = run("receipt", "get", "bafkreinotthere");
    assertEquals(MeshCli.EXIT_FAILURE, missing.exit());
    assertTrue(missing.err().contains("NOT_FOUND"), missing.err());
  }

  @Test
  void verifiesABundleOfflineAndNamesTheFailedCheck() throws Exception {
    String cid = anchored.get(1).getReceiptCid();
    Path bundle =
        Files.writeString(dir.resolve("r.tlog-proof"), run("receipt", "proof", cid).out());

    Run ok =
        run(
            ReceiptCommandTest::noNetwork,
            "receipt",
            "verify",
            bundle.toString(),
            "--log-key",
            logKey);
    assertEquals(0, ok.exit(), ok.err());
    assertTrue(
        ok.out()
            .startsWith(
                "verified: receipt " + cid + " is leaf 1 of the 5-leaf tree of log " + ORIGIN),
        ok.out());

    Run json =
        run(
            ReceiptCommandTest::noNetwork,
            "receipt",
            "verify",
            bundle.toString(),
            "--log-key",
            logKey,
            "--cid",
            cid,
            "--json");
    assertTrue(json.out().contains("\"verified\":true"), json.out());

    // Another log's key: the checkpoint signature check fails, and says so.
    String otherKey = SignedNote.verifierKey(ORIGIN, Identity.generate().publicKey());
    Run forged =
        run(
            ReceiptCommandTest::noNetwork,
            "receipt",
            "verify",
            bundle.toString(),
            "--log-key",
            otherKey);
    assertEquals(MeshCli.EXIT_FAILURE, forged.exit());
    assertTrue(forged.err().contains("checkpoint-signature"), forged.err());

    // A changed path hash: the inclusion check fails.
    String text = Files.readString(bundle);
    String[] lines = text.split("\n", -1);
    int pathLine = 3;
    char c = lines[pathLine].charAt(0);
    lines[pathLine] = (c == 'A' ? 'B' : 'A') + lines[pathLine].substring(1);
    Path tampered = Files.writeString(dir.resolve("bad.tlog-proof"), String.join("\n", lines));
    Run bad =
        run(
            ReceiptCommandTest::noNetwork,
            "receipt",
            "verify",
            tampered.toString(),
            "--log-key",
            logKey,
            "--json");
    assertEquals(MeshCli.EXIT_FAILURE, bad.exit());
    assertTrue(bad.out().contains("\"verified\":false,\"check\":\"inclusion\""), bad.out());
  }

  @Test
  void fsckRecomputesTheRootFromEveryLeafAndPrintsTheLogKey() {
    Run key = run("receipt", "log-key");
    assertEquals(logKey + "\n", key.out());

    Run fsck = run("receipt", "fsck", "--log-key", logKey);
    assertEquals(0, fsck.exit(), fsck.err());
    assertTrue(fsck.out().startsWith("ok: the root recomputed from all 5 leaves"), fsck.out());

    Run json = run("receipt", "fsck", "--json");
    assertTrue(json.out().contains("\"ok\":true"), json.out());
    assertTrue(json.out().contains("\"key_pinned\":false"), json.out());
    assertTrue(json.err().contains("no --log-key given"), json.err());

    String otherKey = SignedNote.verifierKey(ORIGIN, Identity.generate().publicKey());
    Run wrong = run("receipt", "fsck", "--log-key", otherKey);
    assertEquals(MeshCli.EXIT_FAILURE, wrong.exit());
    assertTrue(wrong.err().contains("checkpoint-signature"), wrong.err());
  }
}
