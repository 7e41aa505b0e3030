package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.BlobMesh;
import io.meshwork.client.FakeMesh;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.content.Cid;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code meshwork upload} and {@code submit}'s inputs by blob, against the real blob service in
 * process ({@link BlobMesh}) beside the fake orchestrator ({@link FakeMesh}) on one channel, as the
 * orchestrator serves both on its port.
 */
class UploadCommandTest {
  @TempDir Path dir;
  private FakeMesh mesh;
  private BlobMesh blobs;
  private Path wasm;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    mesh = new FakeMesh();
    blobs = new BlobMesh(dir.resolve("service"));
    wasm = Files.write(dir.resolve("count.wasm"), "\0asm".getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    blobs.close();
    mesh.close();
  }

  private Run run(String... args) {
    return run(false, args);
  }

  /** Runs the command, with standard error a terminal when {@code terminal}. */
  private Run run(boolean terminal, String... args) {
    CommandLine commandLine =
        MeshCli.commandLine(
            options ->
                MeshClient.over(
                    blobs.orchestrator(mesh.computeChannel()), mesh.ledgerChannel(), options),
            terminal);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve("home").toString()));
    all.addAll(Arrays.asList(args));
    int exit = commandLine.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private Path file(String name, int size) throws Exception {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    return Files.write(dir.resolve(name), data);
  }

  @Test
  void uploadPrintsTheCidAndSizeWithProgressOnStderrOnlyOnATerminal() throws Exception {
    Path file = file("big.bin", 2 * 1024 * 1024 + 7);
    String cid = Cid.of(Files.readAllBytes(file));

    Run run = run("upload", file.toString());

    assertEquals(0, run.exit(), run.err());
    assertEquals(cid + " " + Files.size(file) + " bytes\n", run.out());
    // Not a terminal: no progress at all.
    assertEquals("", run.err());

    // Asked for off a terminal: a line per change, the last one what was stored; never: none.
    Path logged = file("logged.bin", 2 * 1024 * 1024 + 8);
    Run always = run("--progress", "always", "upload", logged.toString());
    assertEquals(0, always.exit(), always.err());
    List<String> lines = always.err().lines().toList();
    assertTrue(
        lines.get(0).startsWith("uploading logged.bin [....................] 0% 0 B of 2.0 MiB"),
        always.err());
    assertFalse(always.err().contains("\r"), always.err());
    assertTrue(lines.get(lines.size() - 1).startsWith("uploaded logged.bin: 2.0 MiB in "));
    assertEquals("", run(true, "--progress", "never", "upload", logged.toString()).err());

    // A file of its own: the same one again would be stored already, and shown at 100% at once.
    Path other = file("other.bin", 2 * 1024 * 1024 + 9);
    Run shown = run(true, "upload", other.toString());
    assertEquals(0, shown.exit(), shown.err());
    assertTrue(
        shown.err().startsWith("\ruploading other.bin [....................] 0% 0 B of 2.0 MiB"),
        shown.err());
    assertTrue(shown.err().contains("[####################] 100%"), shown.err());
    assertTrue(shown.err().contains("\ruploaded other.bin: 2.0 MiB in "), shown.err());
    assertTrue(shown.err().endsWith("\n"), shown.err());
    assertTrue(
        shown.err().stripTrailing().endsWith(Cid.of(Files.readAllBytes(other))), shown.err());
  }

  @Test
  void uploadJsonPrintsOneObject() throws Exception {
    Path file = file("big.bin", 300_000);

    Run run = run("upload", file.toString(), "--json");

    assertEquals(0, run.exit(), run.err());
    assertEquals(
        "{\"cid\":\""
            + Cid.of(Files.readAllBytes(file))
            + "\",\"size\":300000,\"file\":\""
            + file
            + "\"}\n",
        run.out());
  }

  @Test
  void uploadingAgainReturnsTheSameBlobWithoutSendingIt() throws Exception {
    Path file = file("big.bin", 1024 * 1024);

    Run first = run("upload", file.toString());
    long frames = blobs.faults.frames.get();
    Run second = run("upload", file.toString());

    assertEquals(0, second.exit(), second.err());
    assertEquals(first.out(), second.out());
    assertEquals(frames, blobs.faults.frames.get());
  }

  @Test
  void uploadOfAMissingFileIsBadUsage() {
    Run run = run("upload", dir.resolve("nope.bin").toString());

    assertEquals(2, run.exit());
    assertTrue(run.err().startsWith("meshwork: FILE: no such file: "), run.err());
  }

  @Test
  void submitUploadsAnInputOverTheInlineLimitAndNamesItByCid() throws Exception {
    Path input = file("book.txt", (int) SubmitCommand.INLINE_INPUT_BYTES + 1);

    Run run = run("submit", "--wasm", wasm.toString(), "--input", input.toString());

    assertEquals(0, run.exit(), run.err());
    assertEquals("job-1\n", run.out());
    ComputeJobManifest sent = mesh.manifests.get(0);
    assertEquals(Cid.of(Files.readAllBytes(input)), sent.getInputCid());
    assertTrue(sent.getInputData().isEmpty());
    assertEquals("", run.err(), "no progress off a terminal");
  }

  @Test
  void submitJsonNamesTheUploadedInput() throws Exception {
    Path input = file("book.txt", (int) SubmitCommand.INLINE_INPUT_BYTES + 1);

    Run run = run("submit", "--wasm", wasm.toString(), "--input", input.toString(), "--json");

    assertEquals(0, run.exit(), run.err());
    assertEquals(
        "{\"job_id\":\"job-1\",\"input_cid\":\"" + Cid.of(Files.readAllBytes(input)) + "\"}\n",
        run.out());
  }

  @Test
  void submitSendsAnInputUpToTheLimitInline() throws Exception {
    Path input = file("book.txt", (int) SubmitCommand.INLINE_INPUT_BYTES);

    Run run = run("submit", "--wasm", wasm.toString(), "--input", input.toString());

    assertEquals(0, run.exit(), run.err());
    ComputeJobManifest sent = mesh.manifests.get(0);
    assertEquals("", sent.getInputCid());
    assertEquals(Files.size(input), sent.getInputData().size());
    assertTrue(blobs.faults.callOffsets.isEmpty());
    assertEquals("", run.err());
  }

  @Test
  void submitTakesAnInputCid() {
    String cid = Cid.of("uploaded before".getBytes(StandardCharsets.UTF_8));

    Run run = run("submit", "--wasm", wasm.toString(), "--input-cid", cid);

    assertEquals(0, run.exit(), run.err());
    assertEquals(cid, mesh.manifests.get(0).getInputCid());
    assertTrue(mesh.manifests.get(0).getInputData().isEmpty());
  }

  @Test
  void submitWantsExactlyOneInputAndAValidCid() throws Exception {
    Path input = file("book.txt", 10);
    String cid = Cid.of(new byte[] {1});

    Run none = run("submit", "--wasm", wasm.toString());
    Run both =
        run("submit", "--wasm", wasm.toString(), "--input", input.toString(), "--input-cid", cid);
    Run bad = run("submit", "--wasm", wasm.toString(), "--input-cid", "Qm-not-a-cid");

    for (Run run : List.of(none, both, bad)) {
      assertEquals(2, run.exit(), run.err());
      assertTrue(run.err().startsWith("meshwork: "), run.err());
    }
    assertTrue(
        none.err().contains("one of --input FILE, --input-cid CID and --input-url URL"),
        none.err());
    assertTrue(bad.err().contains("an input CID Qm-not-a-cid is not valid"), bad.err());
    assertTrue(mesh.manifests.isEmpty());
  }

  @Test
  void aFailureIsOneLineAndDebugAddsItsDetail() throws Exception {
    Path bad = Files.write(dir.resolve("bad.wasm"), "bad module".getBytes(StandardCharsets.UTF_8));
    Path input = file("book.txt", 10);

    Run plain = run("submit", "--wasm", bad.toString(), "--input", input.toString());
    Run debug = run("submit", "--wasm", bad.toString(), "--input", input.toString(), "--debug");

    assertEquals(1, plain.exit());
    assertEquals(1, plain.err().lines().count(), plain.err());
    assertFalse(plain.err().contains("\tat "), plain.err());
    assertEquals(1, debug.exit());
    assertTrue(debug.err().startsWith(plain.err()), debug.err());
    assertTrue(debug.err().contains("MeshClientException"), debug.err());
    assertTrue(debug.err().contains("\tat io.meshwork.client."), debug.err());
  }
}
