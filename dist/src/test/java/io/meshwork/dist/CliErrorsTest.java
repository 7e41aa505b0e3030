package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobRequest;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.SplitStrategy;
import io.meshwork.identity.Identity;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.wasm.abi.SampleText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code meshwork} command's error paths as a user meets them, each command its own JVM started
 * with the launcher's options (what {@code bin/meshwork} execs) against a development mesh: no mesh
 * running, a file that cannot be read, an unknown job, another user's job, an input too large. Each
 * prints exactly one line on standard error, naming the cause and what to do, with no stack trace,
 * no JVM warning and no colour (standard error is not a terminal), and exits with the code
 * docs/CLI.md gives it. And {@code meshwork result} on a job still running waits for it and prints
 * its result: a job whose input the test's own server holds back until the test lets it go, so that
 * it is still running for exactly as long as the test needs, however fast the machine.
 */
class CliErrorsTest {
  /** The blob store's limit here: an input of 3 MiB goes as a blob (over 1 MiB) and is refused. */
  private static final long MAX_BLOB_BYTES = 2 << 20;

  @TempDir static Path dir;
  private static DevMesh mesh;
  private static String ownersJob;

  @BeforeAll
  static void startMeshAndSubmitAJob() {
    mesh =
        DevMesh.start(
            dir.resolve("mesh"),
            MeshFixtures.freeLayout(2),
            Map.of(
                "blobs.max-blob-bytes",
                Long.toString(MAX_BLOB_BYTES),
                // A job whose input is fetched from the test's own server, which holds it back
                // until the test lets it go: a job that runs exactly as long as the test needs.
                "orchestrator.input-url-hosts",
                "127.0.0.1",
                "orchestrator.input-url-allow-private",
                "true",
                "orchestrator.input-url-allow-http",
                "true",
                "orchestrator.input-url-timeout-ms",
                "600000"));
    try (MeshClient owner = client("owner")) {
      ownersJob =
          owner.submit(
              MeshFixtures.wordCountJob("one two three\n".getBytes(StandardCharsets.UTF_8), 1024)
                  .build());
    }
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  void noMeshRunningIsExitCode3WithWhatToDo() throws Exception {
    MeshLayout nothing = MeshFixtures.freeLayout(0);
    for (String[] args : List.of(new String[] {"status", "j-1"}, new String[] {"balance"})) {
      List<String> command = new ArrayList<>(cli("someone", nothing));
      command.addAll(List.of(args));
      Run run = run(command);
      assertOneLine(run, 3, "meshwork: cannot reach the ");
      assertTrue(
          run.err().contains("is the mesh running? 'meshwork dev' runs one"), run.describe());
    }
  }

  @Test
  void aFileThatCannotBeReadIsBadUsage() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("a-folder"));
    Run submit =
        meshwork(
            "someone",
            "submit",
            "--wasm",
            wordCountModule().toString(),
            "--input",
            folder.toString());
    assertOneLine(submit, 2, "meshwork: --input: not a readable file: ");

    Run verify =
        meshwork(
            "someone",
            "receipt",
            "verify",
            dir.resolve("no-such.tlog-proof").toString(),
            "--log-key",
            SignedNote.verifierKey("meshwork.local/receipts", Identity.generate().publicKey()));
    assertOneLine(verify, 2, "meshwork: ");
    assertTrue(verify.err().contains("no-such.tlog-proof"), verify.describe());
  }

  @Test
  void anUnknownJobIsNotFoundWithAPointerToTheJobsList() throws Exception {
    // result, which waits for a job by default, answers at once for one that does not exist.
    for (String command : List.of("result")) {
      Run run = meshwork("someone", command, "no-such-job");
      assertOneLine(run, 1, "meshwork: no job has the id 'no-such-job'");
      assertTrue(
          run.err().contains("(NOT_FOUND, JOB_NOT_FOUND); 'meshwork jobs' lists yours"),
          run.describe());
    }
  }

  @Test
  void anotherUsersJobIsRefusedAndAbsentFromTheirList() throws Exception {
    // (That cancel and status refuse the same way is the job core's test, JobOwnershipTest.)
    for (String command : List.of("result")) {
      Run run = meshwork("stranger", command, ownersJob);
      assertOneLine(run, 1, "meshwork: ");
      assertTrue(run.err().contains("(PERMISSION_DENIED, NOT_OWNER)"), run.describe());
      assertTrue(run.err().contains("only its submitter and the mesh's operators"), run.describe());
    }
    Run jobs = meshwork("stranger", "--json", "jobs");
    assertEquals(0, jobs.exit(), jobs.describe());
    assertEquals("{\"jobs\":[]}\n", jobs.out(), jobs.describe());
    Run owners = meshwork("owner", "jobs");
    assertEquals(0, owners.exit(), owners.describe());
    assertTrue(owners.out().startsWith("JOB"), owners.describe());
    assertTrue(owners.out().contains(ownersJob), owners.describe());
  }

  @Test
  void anInputTooLargeForTheMeshIsRefusedBeforeTheJob() throws Exception {
    Path big = dir.resolve("big.txt");
    Files.write(big, SampleText.generate((int) (3 * MAX_BLOB_BYTES / 2), 7));
    assertTrue(Files.size(big) > MAX_BLOB_BYTES);
    Run run =
        meshwork(
            "someone",
            "submit",
            "--wasm",
            wordCountModule().toString(),
            "--input",
            big.toString(),
            "--split",
            "lines");
    assertOneLine(run, 1, "meshwork: ");
    assertTrue(run.err().contains("(INVALID_ARGUMENT, BLOB_TOO_LARGE)"), run.describe());
    assertTrue(run.err().contains("split it over several jobs"), run.describe());
  }

  @Test
  void resultWaitsForAJobStillRunningAndPrintsItsResult() throws Exception {
    byte[] text = SampleText.generate(50_000, 9);
    HeldInput held = new HeldInput(text);
    try {
      String jobId;
      try (MeshClient user = client("waiter")) {
        jobId =
            user.submit(
                JobRequest.newBuilder()
                    .wasmModule(MeshFixtures.wordCount())
                    .inputUrl(held.url(), "")
                    .splitStrategy(SplitStrategy.LINES)
                    .maxChunkSize(20_000)
                    .build());
      }
      Path out = dir.resolve("count.out");
      Process patient = start(cli("waiter", mesh.layout()), "result", jobId, "-o", out.toString());
      // The job cannot end while its input is held: a second command, with a wait of 1 s, sees
      // it running and says so.
      Run impatient = meshwork("waiter", "result", jobId, "--timeout", "1");
      assertOneLine(impatient, 4, "meshwork: job " + jobId + " has no result: ");
      assertTrue(impatient.err().contains("(fetching)"), impatient.describe());
      assertTrue(impatient.err().contains("--timeout SECS"), impatient.describe());
      assertTrue(patient.isAlive(), "the first command is still waiting for the job");

      held.release();
      Run waited = finish(patient, List.of("result", jobId, "-o", out.toString()));

      assertEquals(0, waited.exit(), waited.describe());
      assertEquals("", waited.err(), waited.describe());
      String count = Long.toString(SampleText.countWords(text));
      assertTrue(
          waited.out().startsWith("wrote " + count.length() + " bytes to "), waited.describe());
      assertEquals(count, Files.readString(out, StandardCharsets.US_ASCII));
    } finally {
      held.close();
    }
  }

  /** A client of the mesh as the user whose home is {@code user}. */
  private static MeshClient client(String user) {
    return MeshClient.connect(
        MeshClientOptions.newBuilder()
            .orchestratorTarget(mesh.layout().target("orchestrator"))
            .ledgerTarget(mesh.layout().target("ledger"))
            .receiptTarget(mesh.layout().target("receipts"))
            .home(dir.resolve("homes").resolve(user))
            .caCertificate(mesh.caCertificate().orElseThrow())
            .build());
  }

  private static Path wordCountModule() throws Exception {
    Path module = dir.resolve("wordcount.wasm");
    if (!Files.exists(module)) {
      Files.write(module, MeshFixtures.wordCount());
    }
    return module;
  }

  /** One line on standard error that starts so, and nothing a user should not see. */
  private static void assertOneLine(Run run, int exit, String start) {
    assertEquals(exit, run.exit(), run.describe());
    assertEquals(1, run.err().lines().count(), run.describe());
    assertTrue(run.err().startsWith(start), run.describe());
    assertFalse(run.err().contains("\tat "), run.describe());
    assertFalse(run.err().contains("Exception"), run.describe());
    assertFalse(run.err().contains("WARNING"), run.describe());
    assertFalse(run.err().contains("\u001b["), run.describe());
  }

  /** What a finished command left: its exit code, standard output and standard error. */
  private record Run(List<String> command, int exit, String out, String err) {
    String describe() {
      return String.join(" ", command) + "\nexit " + exit + "\nout:\n" + out + "\nerr:\n" + err;
    }
  }

  /**
   * {@code meshwork} as bin/meshwork runs it, as {@code user}, against the mesh at {@code layout}.
   */
  private static List<String> cli(String user, MeshLayout layout) {
    List<String> command = TestJvm.java("128m");
    command.add(
        "-Djava.util.logging.config.file="
            + Path.of("..", "bin", "lib", "logging.properties").toAbsolutePath().normalize());
    command.add(Meshwork.class.getName());
    command.addAll(List.of("--home", dir.resolve("homes").resolve(user).toString()));
    command.addAll(List.of("--orchestrator", layout.target("orchestrator")));
    command.addAll(List.of("--ledger", layout.target("ledger")));
    command.addAll(List.of("--receipt-log", layout.target("receipts")));
    command.addAll(List.of("--cacert", mesh.caCertificate().orElseThrow().toString()));
    return command;
  }

  private static Run meshwork(String user, String... args) throws Exception {
    return run(cli(user, mesh.layout()), args);
  }

  private static Run run(List<String> cli, String... args) throws Exception {
    return finish(start(cli, args), List.of(args));
  }

  private static Run run(List<String> command) throws Exception {
    return finish(start(command), command.subList(command.size() - 2, command.size()));
  }

  private static Process start(List<String> cli, String... args) throws Exception {
    List<String> command = new ArrayList<>(cli);
    command.addAll(List.of(args));
    return start(command);
  }

  private static Process start(List<String> command) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    OUTPUTS.put(p, new Path[] {out, err});
    return p;
  }

  private static final Map<Process, Path[]> OUTPUTS =
      java.util.Collections.synchronizedMap(new java.util.HashMap<>());

  private static Run finish(Process p, List<String> args) throws Exception {
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("meshwork " + String.join(" ", args) + " did not finish");
    }
    Path[] files = OUTPUTS.remove(p);
    return new Run(
        args,
        p.exitValue(),
        Files.readString(files[0], StandardCharsets.UTF_8),
        Files.readString(files[1], StandardCharsets.UTF_8));
  }
}
