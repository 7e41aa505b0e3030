package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.client.FakeMesh;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.ledger.v1.Hold;
import io.meshwork.ledger.v1.Regeneration;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

class MeshCliTest {
  private static final byte[] RESULT = "words 1234\n".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private FakeMesh mesh;
  private Path wasm;
  private Path input;
  private String did;

  /** What one run of the command line printed and returned. */
  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    mesh = new FakeMesh();
    wasm = Files.write(dir.resolve("count.wasm"), "\0asm".getBytes(StandardCharsets.UTF_8));
    input =
        Files.write(dir.resolve("book.txt"), "one two\nthree\n".getBytes(StandardCharsets.UTF_8));
    did = Identity.loadOrCreate(dir.resolve("home").resolve("identity.key")).did();
  }

  @AfterEach
  void stop() throws Exception {
    mesh.close();
  }

  private Run run(String... args) {
    return run(MeshCli.commandLine(mesh::client), args);
  }

  private Run run(CommandLine commandLine, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve("home").toString()));
    all.addAll(Arrays.asList(args));
    int exit = commandLine.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private void completedJob(String jobId) {
    mesh.updates.put(
        jobId,
        List.of(
            FakeMesh.status(jobId, "pending", 0, 0),
            FakeMesh.status(jobId, "computing", 1, 4),
            FakeMesh.status(jobId, "computing", 2, 4),
            FakeMesh.status(jobId, "completed", 4, 4)));
    mesh.results.put(
        jobId,
        GetJobResultResponse.newBuilder()
            .setSuccess(true)
            .setResult(ByteString.copyFrom(RESULT))
            .setResultCid(Cid.of(RESULT))
            .addReceipts(
                ReceiptRef.newBuilder()
                    .setTaskId(jobId + ":0")
                    .setReceiptCid("bafyreceipt0")
                    .setLogIndex(12)
                    .setExecutorDid("did:key:z6MkExecutorAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                    .setPrice(3))
            .setStatus(FakeMesh.status(jobId, "completed", 4, 4))
            .build());
  }

  @Test
  void submitSendsTheOptionsAndPrintsTheJobId() {
    Run run =
        run(
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--split",
            "lines",
            "--max-chunk-size",
            "4096",
            "--min-chunk-size",
            "16",
            "--verification",
            "none",
            "--budget",
            "500",
            "--priority",
            "high",
            "--redundancy",
            "2",
            "--timeout",
            "60",
            "--job-id",
            "book-count");

    assertEquals(0, run.exit(), run.err());
    assertEquals("book-count\n", run.out());
    ComputeJobManifest sent = mesh.manifests.get(0);
    assertEquals("lines", sent.getSplitStrategy());
    assertEquals(4096, sent.getMaxChunkSize());
    assertEquals(16, sent.getMinChunkSize());
    assertEquals("none", sent.getVerificationMode());
    assertEquals(500, sent.getManaBudget());
    assertEquals("high", sent.getPriority());
    assertEquals(2, sent.getRedundancy());
    assertEquals(60, sent.getTimeoutSecs());
    assertEquals("one two\nthree\n", sent.getInputData().toStringUtf8());
  }

  @Test
  void submitSendsTheChunkPrefixAsTextOrFromAFile() throws Exception {
    Run text =
        run(
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--split",
            "lines",
            // What bash makes of $'needle\n': the word and a real newline.
            "--chunk-prefix",
            "néedle\n");
    byte[] bytes = {(byte) 0xff, 'p', '\n'};
    Path file = Files.write(dir.resolve("prefix.bin"), bytes);
    Run fromFile =
        run(
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--split",
            "fixed",
            "--chunk-prefix-file",
            file.toString());

    assertEquals(0, text.exit(), text.err());
    assertEquals(0, fromFile.exit(), fromFile.err());
    assertArrayEquals(
        "néedle\n".getBytes(StandardCharsets.UTF_8),
        mesh.manifests.get(0).getChunkPrefix().toByteArray());
    assertArrayEquals(bytes, mesh.manifests.get(1).getChunkPrefix().toByteArray());
  }

  @Test
  void aChunkPrefixGivenTwiceOrWithTheWasmSplitIsBadUsage() throws Exception {
    Path file = Files.write(dir.resolve("prefix.txt"), new byte[] {'p'});
    Run twice =
        run(
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--chunk-prefix",
            "p",
            "--chunk-prefix-file",
            file.toString());
    Run wasmSplit =
        run(
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--split",
            "wasm",
            "--chunk-prefix",
            "p");
    Run noFile =
        run(
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--chunk-prefix-file",
            dir.resolve("nope").toString());

    for (Run run : List.of(twice, wasmSplit, noFile)) {
      assertEquals(2, run.exit(), run.err());
      assertTrue(run.err().startsWith("meshwork: "), run.err());
    }
    assertTrue(twice.err().contains("--chunk-prefix or --chunk-prefix-file"), twice.err());
    assertTrue(wasmSplit.err().contains("host-side split"), wasmSplit.err());
    assertTrue(noFile.err().contains("--chunk-prefix-file: no such file"), noFile.err());
    assertTrue(mesh.manifests.isEmpty());
  }

  @Test
  void submitJsonPrintsOneObject() {
    Run run = run("submit", "--wasm", wasm.toString(), "--input", input.toString(), "--json");

    assertEquals(0, run.exit(), run.err());
    assertEquals("{\"job_id\":\"job-1\"}\n", run.out());
  }

  @Test
  void submitWaitShowsProgressOnStderrThenPrintsTheResult() {
    completedJob("job-1");

    Run run = run("submit", "--wasm", wasm.toString(), "--input", input.toString(), "--wait");

    assertEquals(0, run.exit(), run.err());
    assertEquals("words 1234\n", run.out());
    assertEquals("", run.err(), "no progress off a terminal");

    Run shown =
        run(
            MeshCli.commandLine(mesh::client, true),
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--wait");
    assertEquals(0, shown.exit(), shown.err());
    assertEquals("words 1234\n", shown.out());
    // Redrawn in place on one line, padded over the longer line before, then ended.
    assertEquals(
        "\rjob job-1: pending"
            + "\rjob job-1: computing 1/4 chunks (25%)"
            + "\rjob job-1: computing 2/4 chunks (50%)"
            + "\rjob job-1: completed 4/4 chunks (100%)\n",
        shown.err());
  }

  @Test
  void aRefusedModulePrintsTheMessageStatusAndReason() {
    Path bad = writeFile("bad.wasm", "bad module");

    Run run = run("submit", "--wasm", bad.toString(), "--input", input.toString());

    assertEquals(1, run.exit());
    assertEquals("", run.out());
    assertEquals(
        "meshwork: wasm_module: the module has no export named execute"
            + " (INVALID_ARGUMENT, INVALID_MODULE)\n",
        run.err());
  }

  @Test
  void badUsageExitsWithTwo() {
    Run missing = run("submit", "--input", input.toString());
    Run unknownSplit =
        run("submit", "--wasm", wasm.toString(), "--input", input.toString(), "--split", "words");
    Run chunks =
        run(
            "submit",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--min-chunk-size",
            "100",
            "--max-chunk-size",
            "10");
    Run noFile = run("submit", "--wasm", dir.resolve("nope.wasm").toString(), "--input", "x");
    Run noCommand = run();

    for (Run run : List.of(missing, unknownSplit, chunks, noFile, noCommand)) {
      assertEquals(2, run.exit(), run.err());
      assertTrue(run.err().startsWith("meshwork: "), run.err());
    }
    assertTrue(missing.err().contains("--wasm"), missing.err());
    assertTrue(chunks.err().contains("min chunk size 100 exceeds max chunk size 10"), chunks.err());
    assertTrue(noFile.err().contains("no such file"), noFile.err());
    assertTrue(mesh.manifests.isEmpty());
  }

  @Test
  void statusPrintsReadableLinesOrJson() {
    ComputeJobStatus status =
        FakeMesh.status("j", "computing", 12, 40).toBuilder()
            .setManaBudget(100)
            .setManaSpent(30)
            .setEstimatedTimeRemaining(9)
            .build();
    mesh.statuses.put("j", status);

    Run text = run("status", "j");
    Run json = run("--json", "status", "j");

    assertEquals(0, text.exit(), text.err());
    assertTrue(text.out().contains("status     computing\n"), text.out());
    assertTrue(text.out().contains("progress   12/40 chunks (30%)\n"), text.out());
    assertTrue(text.out().contains("mana       budget 100, spent 30, refunded 0\n"), text.out());
    assertEquals(0, json.exit(), json.err());
    assertTrue(
        json.out()
            .startsWith(
                "{\"job_id\":\"j\",\"status\":\"computing\",\"progress\":0.3,"
                    + "\"completed_chunks\":12,\"total_chunks\":40,"),
        json.out());
    assertEquals(1, json.out().lines().count());
  }

  @Test
  void statusWithTreePrintsEachTaskUnderTheOneItWasCutFrom() {
    mesh.statuses.put("j", FakeMesh.status("j", "completed", 2, 2));
    mesh.trees.put(
        "j",
        List.of(
            node("j:merge", "merge-peer", "127.0.0.1:2 did:key:zM", 0, 300),
            node("j:0/10", "executor", "did:key:zE2", 200, 100),
            node("j:0", "peer", "127.0.0.1:2 did:key:zM", 0, 300),
            node("j:0/2", "executor", "did:key:zE1", 0, 200)));

    Run text = run("status", "j", "--tree");
    Run json = run("--json", "status", "j", "--tree");

    assertEquals(0, text.exit(), text.err());
    String out = text.out();
    assertTrue(out.contains("  j:0  bytes 0..300  peer 127.0.0.1:2 did:key:zM  completed"), out);
    assertTrue(out.contains("    j:0/2  bytes 0..200  executor did:key:zE1"), out);
    assertTrue(out.indexOf("j:0/2 ") < out.indexOf("j:0/10 "), "parts in number order: " + out);
    assertTrue(out.indexOf("j:0/10 ") < out.indexOf("j:merge "), "the merge last: " + out);
    assertEquals(0, json.exit(), json.err());
    assertTrue(json.out().contains("\"tree\":[{\"task_id\":\"j:0\""), json.out());
  }

  private static io.meshwork.compute.v1.DelegationNode node(
      String task, String kind, String worker, long offset, long length) {
    return io.meshwork.compute.v1.DelegationNode.newBuilder()
        .setTaskId(task)
        .setKind(kind)
        .setWorker(worker)
        .setOffset(offset)
        .setLength(length)
        .setState("completed")
        .setPrice(3)
        .setOrchestratorDid("did:key:zRoot")
        .build();
  }

  @Test
  void statusOfAnUnknownJobFails() {
    Run run = run("status", "ghost");

    assertEquals(1, run.exit());
    assertEquals(
        "meshwork: no job ghost (NOT_FOUND, JOB_NOT_FOUND); 'meshwork jobs' lists yours\n",
        run.err());
  }

  @Test
  void resultWritesTheExactBytesToAFile() throws Exception {
    completedJob("r");
    Path out = dir.resolve("out.txt");

    Run run = run("result", "r", "-o", out.toString(), "--wait", "5");

    assertEquals(0, run.exit(), run.err());
    assertArrayEquals(RESULT, Files.readAllBytes(out));
    assertTrue(run.out().contains("wrote 11 bytes to " + out), run.out());
    assertTrue(run.out().contains("bafyreceipt0  log index 12"), run.out());
    assertEquals(List.of(5_000), mesh.resultTimeouts);
  }

  @Test
  void resultJsonCarriesTheBytesAsBase64AndTheReceipts() {
    completedJob("r");

    Run run = run("result", "r", "--json");

    assertEquals(0, run.exit(), run.err());
    String b64 = Base64.getEncoder().encodeToString(RESULT);
    assertTrue(run.out().contains("\"result_base64\":\"" + b64 + "\""), run.out());
    assertTrue(run.out().contains("\"result_cid\":\"" + Cid.of(RESULT) + "\""), run.out());
    assertTrue(
        run.out()
            .contains(
                "\"receipts\":[{\"task_id\":\"r:0\",\"receipt_cid\":\"bafyreceipt0\","
                    + "\"log_index\":12,"),
        run.out());
  }

  @Test
  void resultOfAnUnfinishedJobFails() {
    mesh.results.put(
        "r",
        GetJobResultResponse.newBuilder()
            .setSuccess(false)
            .setErrorMsg("still running")
            .setStatus(FakeMesh.status("r", "computing", 1, 2))
            .build());

    Run run = run("result", "r", "--no-wait");

    assertEquals(MeshCli.EXIT_STILL_RUNNING, run.exit());
    assertEquals(
        "meshwork: job r has no result: still running (computing); wait longer with"
            + " 'meshwork result r --timeout SECS'\n",
        run.err());
    assertEquals(List.of(0), mesh.resultTimeouts);
  }

  @Test
  void resultWaitsUntilTheTimeoutWhenTheJobRunsOn() {
    mesh.results.put(
        "r",
        GetJobResultResponse.newBuilder()
            .setSuccess(false)
            .setErrorMsg("still running")
            .setStatus(FakeMesh.status("r", "computing", 1, 2))
            .build());

    // The fake answers at once, as an orchestrator whose longest wait is shorter would: the
    // command asks again, with what is left of its wait, until it is over.
    Run run = run("result", "r", "--timeout", "1");

    assertEquals(MeshCli.EXIT_STILL_RUNNING, run.exit(), run.err());
    assertTrue(mesh.resultTimeouts.size() >= 2, mesh.resultTimeouts.toString());
    assertTrue(mesh.resultTimeouts.get(0) <= 1000, mesh.resultTimeouts.toString());
    assertTrue(mesh.resultTimeouts.get(1) < mesh.resultTimeouts.get(0));
  }

  @Test
  void aFailedJobHasNoResultAndExitsWith1() {
    mesh.results.put(
        "f",
        GetJobResultResponse.newBuilder()
            .setSuccess(false)
            .setErrorMsg("job failed: chunk 2 trapped")
            .setStatus(FakeMesh.status("f", "failed", 1, 2))
            .build());

    Run run = run("result", "f");

    assertEquals(1, run.exit());
    assertEquals(
        "meshwork: job f has no result: job failed: chunk 2 trapped (failed)\n", run.err());
  }

  @Test
  void cancelSucceedsOnlyForARunningJob() {
    mesh.cancellable.put("running", true);
    mesh.cancellable.put("done", false);

    Run running = run("cancel", "running");
    Run done = run("cancel", "done");
    Run json = run("cancel", "running", "--json");

    assertEquals(0, running.exit());
    assertEquals("cancelled job running\n", running.out());
    assertEquals(1, done.exit());
    assertTrue(done.err().contains("had already ended"), done.err());
    assertEquals("{\"job_id\":\"running\",\"cancelled\":true}\n", json.out());
  }

  @Test
  void balancePrintsTheAccountItsHoldsAndRegenerationAsTextOrJson() {
    long created = Instant.parse("2026-11-21T09:04:19Z").toEpochMilli();
    long expires = Instant.parse("2026-11-21T10:04:19Z").toEpochMilli();
    mesh.pendingHolds.add(
        Hold.newBuilder()
            .setHoldId("hold_1")
            .setJobId("job-7")
            .setAmount(300)
            .setPosted(100)
            .setRemaining(200)
            .setCreatedAt(created)
            .setExpiresAt(expires)
            .build());
    mesh.regeneration =
        Regeneration.newBuilder().setAmount(7).setIntervalMs(3_000).setCap(2_000).build();

    Run text = run("balance");
    Run json = run("balance", "--json");

    assertEquals(0, text.exit(), text.err());
    assertEquals(
        "did           "
            + did
            + "\n"
            + "balance       1000 mana\n"
            + "held          200 mana, in 1 pending hold\n"
            + "available     800 mana\n"
            + "floor         0 mana (available may not go below it)\n"
            + "regeneration  7 mana every 3 s, up to 2000 mana;"
            + " next unit within 429 ms, full in about 7 min 9 s\n"
            + "\n"
            + "pending holds (mana reserved for running jobs)\n"
            + "HOLD    JOB    HELD  POSTED  EXPIRES\n"
            + "hold_1  job-7   200     100  2026-11-21 10:04:19Z\n",
        text.out());
    assertEquals(
        "{\"did\":\""
            + did
            + "\",\"balance\":1000,\"held\":200,\"available\":800,\"floor\":0,"
            + "\"pending_holds\":[{\"hold_id\":\"hold_1\",\"job_id\":\"job-7\",\"amount\":300,"
            + "\"posted\":100,\"held\":200,\"created_at\":"
            + created
            + ",\"expires_at\":"
            + expires
            + "}],\"regeneration\":{\"amount\":7,\"interval_ms\":3000,\"cap\":2000,"
            + "\"regenerating\":true,\"next_unit_within_ms\":429,\"full_in_ms\":428572}}\n",
        json.out());
  }

  @Test
  void balanceSaysWhenRegenerationIsOffOrPaused() {
    String off = run("balance").out();
    mesh.regeneration =
        Regeneration.newBuilder().setAmount(1).setIntervalMs(60_000).setCap(1_000).build();
    String paused = run("balance").out();

    assertTrue(off.contains("regeneration  off\n"), off);
    assertTrue(
        paused.contains(
            "regeneration  1 mana every 1 min, up to 1000 mana;"
                + " paused: the balance is at or above the cap\n"),
        paused);
    assertTrue(
        run("balance", "--json").out().contains("\"regenerating\":false}"), "no times when paused");
  }

  @Test
  void durationsReadAsAPersonSaysThem() {
    assertEquals("429 ms", BalanceCommand.duration(Duration.ofMillis(429)));
    assertEquals("3 s", BalanceCommand.duration(Duration.ofSeconds(3)));
    assertEquals("2 min 5 s", BalanceCommand.duration(Duration.ofSeconds(125)));
    assertEquals("1 h 30 min", BalanceCommand.duration(Duration.ofMinutes(90)));
    assertEquals("2 d 4 h", BalanceCommand.duration(Duration.ofHours(52)));
  }

  @Test
  void ledgerHistoryPrintsATableOrJson() {
    mesh.history.add(
        HistoryEntry.newBuilder()
            .setEntryId(2)
            .setKind(EntryKind.ENTRY_KIND_POST)
            .setBalanceDelta(-3)
            .setHeldDelta(-3)
            .setBalanceAfter(997)
            .setCounterpartyDid("did:key:z6MkExecutorAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .setJobId("job-1")
            .setAt(1_700_000_060_000L)
            .build());
    mesh.history.add(
        HistoryEntry.newBuilder()
            .setEntryId(1)
            .setKind(EntryKind.ENTRY_KIND_MINT)
            .setBalanceDelta(1000)
            .setBalanceAfter(1000)
            .setAt(1_700_000_000_000L)
            .build());

    Run table = run("ledger", "history");
    Run json = run("ledger", "history", "--job", "job-1", "--json");

    assertEquals(0, table.exit(), table.err());
    assertEquals(
        "TIME                  KIND  DELTA  HELD  BALANCE  COUNTERPARTY             JOB\n"
            + "2023-11-14 22:14:20Z  post     -3    -3      997  did:key:z6MkEx...AAAAAA  job-1\n"
            + "2023-11-14 22:13:20Z  mint  +1000     0     1000  -                        -\n",
        table.out());
    assertEquals(0, json.exit(), json.err());
    assertTrue(json.out().startsWith("{\"did\":\"" + did + "\",\"entries\":[{\"entry_id\":2,"));
    assertTrue(json.out().contains("\"kind\":\"post\""), json.out());
    assertTrue(!json.out().contains("\"kind\":\"mint\""), json.out());
  }

  @Test
  void ledgerWithoutASubcommandIsBadUsage() {
    Run run = run("ledger");

    assertEquals(2, run.exit());
  }

  @Test
  void aLauncherCanAddSubcommandsThatUseTheGlobalOptions() {
    CommandLine cli = MeshCli.commandLine(mesh::client).addSubcommand(new Whoami());

    Run run = run(cli, "--orchestrator", "elsewhere:1", "whoami");

    assertEquals(0, run.exit(), run.err());
    assertEquals(did + " via elsewhere:1\n", run.out());
  }

  @Command(name = "whoami")
  static final class Whoami implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        cli.out().println(mesh.did() + " via " + cli.clientOptions().orchestratorTarget());
      }
      return 0;
    }
  }

  private Path writeFile(String name, String text) {
    try {
      return Files.write(dir.resolve(name), text.getBytes(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
