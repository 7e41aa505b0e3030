package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshwork receipt get | proof | fsck | verify} run as a user runs them: each command is its
 * own JVM started on the launcher's main class (what {@code bin/meshwork} execs), against a receipt
 * service that is itself a separate process started with {@code meshwork serve receipts}. The test
 * checks exit codes and what the commands print, writes the bundle from standard output to a file
 * as {@code > bundle} does, and verifies bundles only after the service is stopped, so {@code
 * verify} can only succeed offline.
 *
 * <p>The in-process command tests (client-sdk {@code MeshCliTest}) cover every option; this one
 * covers what they cannot: the launcher, argument parsing from a real command line, standard output
 * and error as streams, and exit codes of a real process.
 */
class ReceiptCommandProcessTest {
  private static final String ORIGIN = "meshwork.local/receipts";

  @TempDir static Path dir;

  private static Process service;
  private static int port;
  private static String logKey;
  private static final List<String> cids = new ArrayList<>();

  @BeforeAll
  static void startTheServiceAndAnchor() throws Exception {
    port = MeshFixtures.freePort();
    Identity receipts = Identity.loadOrCreate(dir.resolve("receipts").resolve("receipts.key"));
    Identity orchestrator = Identity.generate();
    Identity executor = Identity.generate();
    // The key the operator publishes, derived here from the service's own key file rather than
    // asked of the service, as a user who pins it would have it.
    logKey = SignedNote.verifierKey(ORIGIN, receipts.publicKey());
    List<String> command = java(Meshwork.class.getName());
    command.addAll(List.of("serve", "receipts"));
    for (String setting :
        List.of(
            "grpc.port=" + port,
            "admin.port=-1",
            "data-dir=" + dir.resolve("receipts"),
            "identity.file=" + dir.resolve("receipts").resolve("receipts.key"),
            "auth.orchestrators=" + orchestrator.did(),
            "auth.executors=" + executor.did(),
            "receipts.origin=" + ORIGIN)) {
      command.add("--set");
      command.add(setting);
    }
    service =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("receipts.log").toFile())
            .start();
    // Started with no TLS settings at all, the service made a development CA in its data folder.
    MeshFixtures.awaitServing(port, caDir(), java.time.Duration.ofSeconds(120), service);

    List<ExecutionReceipt> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      batch.add(MeshFixtures.signedReceipt(executor, "task-" + i, 1_767_225_600_125L));
    }
    ManagedChannel channel = MeshFixtures.partyChannel(port, caDir(), orchestrator);
    try {
      List<ExecutionReceiptAvailableV1> anchored =
          ReceiptServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .anchorReceipts(AnchorReceiptsRequest.newBuilder().addAllReceipts(batch).build())
              .getAnchoredList();
      anchored.forEach(a -> cids.add(a.getReceiptCid()));
    } finally {
      channel.shutdownNow();
    }
  }

  @AfterAll
  static void stopTheService() throws InterruptedException {
    stop();
  }

  private static void stop() throws InterruptedException {
    if (service != null && service.isAlive()) {
      service.destroy();
      if (!service.waitFor(30, TimeUnit.SECONDS)) {
        service.destroyForcibly();
      }
    }
  }

  @Test
  void getProofFsckAndOfflineVerifyAsProcesses() throws Exception {
    String cid = cids.get(2);

    Run get = meshwork("receipt", "get", cid);
    assertEquals(0, get.exit(), get.describe());
    assertTrue(get.out().contains("cid            " + cid), get.describe());
    assertTrue(get.out().contains("log index      2"), get.describe());
    assertTrue(get.out().contains("job / task     job-cli / task-2"), get.describe());

    // meshwork receipt proof CID > bundle
    Path bundle = dir.resolve("r.tlog-proof");
    Run proof = meshwork(bundle, "receipt", "proof", cid);
    assertEquals(0, proof.exit(), proof.describe());
    String text = Files.readString(bundle, StandardCharsets.UTF_8);
    assertTrue(text.startsWith("c2sp.org/tlog-proof@v1\nextra "), text);
    assertTrue(text.contains("\nindex 2\n"), text);

    Run fsck = meshwork("receipt", "fsck", "--log-key", logKey);
    assertEquals(0, fsck.exit(), fsck.describe());
    assertTrue(
        fsck.out()
            .startsWith(
                "ok: the root recomputed from all 5 leaves matches the signed checkpoint of "
                    + ORIGIN),
        fsck.describe());

    // From here on nothing serves: verify has only the file and the key.
    stop();
    assertFalse(service.isAlive());

    Run verified = meshwork("receipt", "verify", bundle.toString(), "--log-key", logKey);
    assertEquals(0, verified.exit(), verified.describe());
    assertTrue(
        verified
            .out()
            .startsWith(
                "verified: receipt " + cid + " is leaf 2 of the 5-leaf tree of log " + ORIGIN),
        verified.describe());

    // A changed hash of the inclusion path.
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    lines.set(3, flipFirstByte(lines.get(3)));
    assertRefused("inclusion", write("path.tlog-proof", lines));

    // A changed receipt: its task id, so it still decodes but the executor never signed it.
    lines = new ArrayList<>(List.of(text.split("\n", -1)));
    byte[] leaf = Base64.getDecoder().decode(lines.get(1).substring("extra ".length()));
    String leafText = new String(leaf, StandardCharsets.ISO_8859_1);
    int at = leafText.indexOf("task-2");
    leaf[at + 5] = '3';
    lines.set(1, "extra " + Base64.getEncoder().encodeToString(leaf));
    assertRefused("receipt-signature", write("receipt.tlog-proof", lines));

    // A changed checkpoint: a larger tree size than the log signed.
    lines = new ArrayList<>(List.of(text.split("\n", -1)));
    int body = lines.indexOf(ORIGIN);
    assertEquals("5", lines.get(body + 1));
    lines.set(body + 1, "6");
    assertRefused("checkpoint-signature", write("checkpoint.tlog-proof", lines));

    // The same check through --json, as scripts read it.
    Run json =
        meshwork(
            "--json",
            "receipt",
            "verify",
            dir.resolve("path.tlog-proof").toString(),
            "--log-key",
            logKey);
    assertEquals(1, json.exit(), json.describe());
    assertTrue(json.out().contains("\"verified\":false"), json.describe());
    assertTrue(json.out().contains("\"check\":\"inclusion\""), json.describe());
  }

  private static void assertRefused(String check, Path bundle) throws Exception {
    Run run = meshwork("receipt", "verify", bundle.toString(), "--log-key", logKey);
    assertEquals(1, run.exit(), run.describe());
    assertTrue(
        run.err().startsWith("meshwork: verification failed: " + check + ": "), run.describe());
    assertFalse(run.out().contains("verified:"), run.describe());
  }

  private static Path write(String name, List<String> lines) throws IOException {
    return Files.writeString(dir.resolve(name), String.join("\n", lines), StandardCharsets.UTF_8);
  }

  private static String flipFirstByte(String base64) {
    byte[] hash = Base64.getDecoder().decode(base64);
    hash[0] ^= 0x01;
    return Base64.getEncoder().encodeToString(hash);
  }

  /** What a finished command left: its exit code, standard output and standard error. */
  private record Run(List<String> command, int exit, String out, String err) {
    String describe() {
      return String.join(" ", command) + "\nexit " + exit + "\nout:\n" + out + "\nerr:\n" + err;
    }
  }

  /** The development CA the receipt log made for itself in its data folder. */
  private static Path caDir() {
    return dir.resolve("receipts").resolve("tls");
  }

  private static Run meshwork(String... args) throws Exception {
    return meshwork(null, args);
  }

  /**
   * Runs {@code meshwork ARGS} as its own JVM against the service, with a home folder of its own,
   * and waits for it; standard output goes to {@code stdout} when given, as a shell redirect does.
   */
  private static Run meshwork(Path stdout, String... args) throws Exception {
    List<String> command = java(Meshwork.class.getName());
    command.addAll(List.of("--home", dir.resolve("home").toString()));
    command.addAll(List.of("--receipt-log", "127.0.0.1:" + port));
    command.addAll(List.of("--cacert", caDir().resolve("ca.pem").toString()));
    command.addAll(List.of(args));
    Path out = stdout != null ? stdout : Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("meshwork " + String.join(" ", args) + " did not finish");
    }
    return new Run(
        List.of(args),
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** The java command bin/meshwork runs, on this test's class path. */
  private static List<String> java(String mainClass) {
    List<String> command = TestJvm.java();
    command.add(mainClass);
    return command;
  }
}
