package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.VerificationMode;
import io.meshwork.identity.Identity;
import io.meshwork.receipt.format.JobBundle;
import io.meshwork.receipt.format.JobVerifier;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.format.VerificationException;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, must-show 4: a {@code merkle} job's result checked by a third party. A word count runs
 * on a mesh of separate processes; {@code meshwork result JOB --receipts DIR} (its own JVM) saves
 * the orchestrator's anchored job statement, the chunk results with their paths, and every
 * receipt's proof; then, with every service stopped, {@code meshwork receipt verify-job DIR
 * --log-key KEY} passes, and fails, naming the check, on a copy of the folder with one chunk
 * result, one proof step, the job statement or the checkpoint changed. The command runs as a
 * process for the untouched folder and the changed checkpoint; the other changes go through the
 * same library calls in this JVM ({@link JobVerifier}), which keeps the test to three JVM starts.
 */
class MerkleResultProcessTest {
  private static final String ORIGIN = "meshwork.local/receipts";

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @TempDir Path files;

  @Test
  void aMerkleJobsBundleVerifiesOfflineAndEveryTamperingIsNamed() throws Exception {
    long started = System.nanoTime();
    Path home = files.resolve("home");
    Identity user = Identity.loadOrCreate(home.resolve("identity.key"));
    byte[] text = SampleText.generate(12_000, 18);
    Path bundle = files.resolve("bundle");
    String logKey;
    String jobId;
    int chunks;
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir, List.of("honest", "honest"), MeshProcesses.tolerantTimings(), "128m")) {
      logKey = SignedNote.verifierKey(ORIGIN, mesh.identity("receipts").publicKey());
      try (MeshClient client = mesh.client(user)) {
        jobId =
            client.submit(
                MeshFixtures.wordCountJob(text, 3_000)
                    .verificationMode(VerificationMode.MERKLE)
                    .manaBudget(5_000)
                    .timeoutSecs(120)
                    .build());
        // The SDK checks every chunk's path against the root as the answer arrives.
        JobResult result =
            MeshFixtures.awaitWordCount(
                client, jobId, text, Duration.ofSeconds(120), "the merkle job");
        chunks = result.chunkProofs().size();
        assertTrue(chunks >= 3, "several chunks: " + chunks);
        assertTrue(result.statement().isPresent(), "a merkle job is answered with its statement");
      }
      Run saved =
          meshwork(
              mesh.cli(home, "64m"),
              "--receipt-log",
              mesh.layout().target("receipts"),
              "result",
              jobId,
              "--receipts",
              bundle.toString());
      assertEquals(0, saved.exit(), saved.describe());
    }
    // From here on nothing of the mesh runs: the folder and the pinned key are all there is.
    assertTrue(Files.isRegularFile(bundle.resolve("statement.tlog-proof")));
    assertTrue(Files.isRegularFile(bundle.resolve("chunks.txt")));
    // chunks + merge receipts, each with its proof.
    try (Stream<Path> proofs = Files.list(bundle)) {
      assertEquals(
          chunks + 1,
          proofs.filter(p -> p.getFileName().toString().startsWith("bafk")).count(),
          "one proof per receipt");
    }

    long offline = System.nanoTime();
    Run verified = verifyJob(bundle, logKey);
    assertEquals(0, verified.exit(), verified.describe());
    assertTrue(
        verified.out().startsWith("verified: job " + jobId + ", result "), verified.describe());
    assertTrue(
        verified.out().contains(chunks + " chunks and " + (chunks + 1) + " receipts"),
        verified.describe());

    // One chunk result changed.
    Path results = bundle.resolve("results");
    List<String> chunkLines = chunkLines(bundle);
    String chunkCid = chunkLines.get(2).split(" ")[1];
    assertRefusedInProcess(
        "chunk-result",
        logKey,
        tampered(
            bundle,
            "chunk-result",
            copy -> {
              Path file = copy.resolve("results").resolve(chunkCid);
              byte[] bytes = Files.readAllBytes(file);
              bytes[0] ^= 0x01;
              Files.write(file, bytes);
            }));
    assertTrue(Files.isRegularFile(results.resolve(chunkCid)));

    // One step of a chunk's inclusion path under the statement's chunk root.
    assertRefusedInProcess(
        "chunk-proof",
        logKey,
        tampered(
            bundle,
            "chunk-proof",
            copy -> {
              List<String> lines = chunkLines(copy);
              String[] parts = lines.get(2).split(" ");
              parts[2] = flipFirstByte(parts[2]);
              lines.set(2, String.join(" ", parts));
              Files.writeString(copy.resolve("chunks.txt"), String.join("\n", lines) + "\n");
            }));

    // The job statement: its job id, so it still decodes but the orchestrator never signed it.
    assertRefusedInProcess(
        "statement-signature",
        logKey,
        tampered(
            bundle,
            "statement",
            copy -> {
              List<String> lines = statementLines(copy);
              byte[] leaf = Base64.getDecoder().decode(lines.get(1).substring("extra ".length()));
              int at = new String(leaf, StandardCharsets.ISO_8859_1).indexOf(jobId);
              leaf[at] ^= 0x01;
              lines.set(1, "extra " + Base64.getEncoder().encodeToString(leaf));
              Files.writeString(copy.resolve("statement.tlog-proof"), String.join("\n", lines));
            }));

    // The checkpoint the statement's proof leads to: a larger tree than the log signed. Through
    // the command, as a user runs it.
    assertRefused(
        "checkpoint-signature",
        logKey,
        tampered(
            bundle,
            "checkpoint",
            copy -> {
              List<String> lines = statementLines(copy);
              int body = lines.indexOf(ORIGIN);
              lines.set(body + 1, Long.toString(Long.parseLong(lines.get(body + 1)) + 1));
              Files.writeString(copy.resolve("statement.tlog-proof"), String.join("\n", lines));
            }));

    // Checked against another log's key, the untouched folder fails too.
    Identity otherLog = Identity.generate();
    assertRefusedInProcess(
        "checkpoint-signature", SignedNote.verifierKey(ORIGIN, otherLog.publicKey()), bundle);
    System.out.printf(
        "mesh, job and saving the bundle: %d s; offline checks: %d s%n",
        (offline - started) / 1_000_000_000, (System.nanoTime() - offline) / 1_000_000_000);
  }

  private interface Edit {
    void apply(Path copy) throws IOException;
  }

  /** A copy of {@code bundle} with {@code edit} applied. */
  private Path tampered(Path bundle, String name, Edit edit) throws IOException {
    Path copy = files.resolve("tampered-" + name);
    try (Stream<Path> all = Files.walk(bundle)) {
      for (Path p : all.toList()) {
        Path target = copy.resolve(bundle.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    edit.apply(copy);
    return copy;
  }

  /**
   * Checks a tampered folder in this JVM with the verifier the command wraps (JobBundle.read and
   * JobVerifier, as verify-job calls them), so that only one tampering needs a JVM of its own.
   */
  private static void assertRefusedInProcess(String check, String logKey, Path bundle)
      throws Exception {
    VerificationException e =
        assertThrows(
            VerificationException.class,
            () ->
                JobVerifier.verify(
                    JobBundle.read(
                        bundle, JobVerifier.listedReceipts(JobBundle.readStatementProof(bundle))),
                    SignedNote.parseVerifierKey(logKey)));
    assertEquals(check, e.check(), e.getMessage());
    assertTrue(e.getMessage().startsWith(check + ": "), e.getMessage());
  }

  private void assertRefused(String check, String logKey, Path bundle) throws Exception {
    Run run = verifyJob(bundle, logKey);
    assertEquals(1, run.exit(), run.describe());
    assertTrue(
        run.err().startsWith("meshwork: verification failed: " + check + ": "), run.describe());
    assertFalse(run.out().contains("verified:"), run.describe());
  }

  private Run verifyJob(Path bundle, String logKey) throws Exception {
    return meshwork(cli(), "receipt", "verify-job", bundle.toString(), "--log-key", logKey);
  }

  private static List<String> chunkLines(Path bundle) throws IOException {
    return new ArrayList<>(Files.readAllLines(bundle.resolve("chunks.txt")));
  }

  private static List<String> statementLines(Path bundle) throws IOException {
    String text = Files.readString(bundle.resolve("statement.tlog-proof"));
    return new ArrayList<>(List.of(text.split("\n", -1)));
  }

  private static String flipFirstByte(String base64) {
    byte[] hash = Base64.getDecoder().decode(base64);
    hash[0] ^= 0x01;
    return Base64.getEncoder().encodeToString(hash);
  }

  /** {@code meshwork} as bin/meshwork runs it, with no mesh to talk to. */
  private List<String> cli() {
    List<String> command = TestJvm.java("64m");
    command.add(Meshwork.class.getName());
    command.addAll(List.of("--home", files.resolve("verifier-home").toString()));
    return command;
  }

  /** What a finished command left. */
  private record Run(List<String> command, int exit, String out, String err) {
    String describe() {
      return String.join(" ", command) + "\nexit " + exit + "\nout:\n" + out + "\nerr:\n" + err;
    }
  }

  private Run meshwork(List<String> base, String... args) throws Exception {
    List<String> command = new ArrayList<>(base);
    command.addAll(List.of(args));
    Path out = Files.createTempFile(files, "out", ".txt");
    Path err = Files.createTempFile(files, "err", ".txt");
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
}
