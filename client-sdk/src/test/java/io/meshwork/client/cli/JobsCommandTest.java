package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.meshwork.client.FakeMesh;
import io.meshwork.client.MeshClientException;
import io.meshwork.compute.v1.ComputeJobStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code meshwork jobs} over the fake orchestrator's ListJobs, a one-line error's remedy, and
 * colour only on a terminal.
 */
class JobsCommandTest {
  @TempDir Path dir;
  private FakeMesh mesh;

  @BeforeEach
  void start() throws Exception {
    mesh = new FakeMesh();
  }

  @AfterEach
  void stop() {
    mesh.close();
  }

  private record Run(int exit, String out, String err) {}

  private Run run(boolean terminal, String... args) {
    CommandLine commandLine = MeshCli.commandLine(mesh::client, terminal);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = dir.resolve("home").toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return new Run(commandLine.execute(all), out.toString(), err.toString());
  }

  private static ComputeJobStatus job(String id, String state, int done, int total) {
    return FakeMesh.status(id, state, done, total).toBuilder()
        .setManaBudget(500)
        .setManaSpent(12)
        .setSubmittedAt(Instant.parse("2026-12-04T08:00:00Z").toEpochMilli())
        .build();
  }

  @Test
  void jobsListsNewestFirstAsATableOrJsonPagingAsItGoes() {
    for (int i = 0; i < 5; i++) {
      mesh.listed.add(job("job-" + i, i == 0 ? "computing" : "completed", i == 0 ? 1 : 2, 2));
    }

    Run table = run(false, "jobs", "--limit", "3");
    Run json = run(false, "--json", "jobs", "-n", "1");

    assertEquals(0, table.exit(), table.err());
    List<String> lines = table.out().lines().toList();
    assertEquals(4, lines.size(), table.out());
    assertTrue(lines.get(0).startsWith("JOB    STATUS"), table.out());
    assertTrue(
        lines.get(1).matches("job-0  computing +1/2 \\(50%\\) +12 of 500 +2026-12-04 08:00:00Z"),
        table.out());
    assertTrue(lines.get(2).matches("job-1  completed +2/2 \\(100%\\) .*"), table.out());
    assertFalse(table.out().contains("\u001b["), "no colour off a terminal");
    assertEquals(List.of(3, 1), mesh.listPageSizes);
    assertTrue(json.out().startsWith("{\"jobs\":[{\"job_id\":\"job-0\",\"status\":\"computing\""));
  }

  @Test
  void noJobsSaysSo() {
    Run run = run(false, "jobs");

    assertEquals(0, run.exit());
    assertEquals("no jobs\n", run.out());
  }

  @Test
  void onATerminalStatesAndTheErrorPrefixAreColoured() {
    mesh.listed.add(job("job-0", "failed", 1, 2));

    Run run = run(true, "jobs");
    Run failed = run(true, "status", "ghost");

    assertEquals(Colours.always().state("failed"), "\u001b[31mfailed\u001b[0m");
    if (Colours.when(true) == Colours.always()) {
      assertTrue(run.out().contains("\u001b[31mfailed\u001b[0m"), run.out());
      assertTrue(
          failed.err().startsWith("\u001b[31mmeshwork:\u001b[0m no job ghost"), failed.err());
    }
  }

  @Test
  void aFailureIsOneLineWithWhatToDoAndItsExitCode() {
    MeshClientException unreachable =
        new MeshClientException(
            Status.Code.UNAVAILABLE,
            "",
            "cannot reach the orchestrator at localhost:50051: Connection refused");
    MeshClientException notOwner =
        new MeshClientException(
            Status.Code.PERMISSION_DENIED, "NOT_OWNER", "job j belongs to did:key:z6MkA,\nnot you");

    assertEquals(
        "cannot reach the orchestrator at localhost:50051: Connection refused (UNAVAILABLE); is"
            + " the mesh running? 'meshwork dev' runs one on this machine; --orchestrator,"
            + " --ledger and --receipt-log name another",
        MeshCli.describe(unreachable));
    assertEquals(MeshCli.EXIT_UNREACHABLE, MeshCli.exitCode(unreachable));
    assertEquals(
        "job j belongs to did:key:z6MkA, not you (PERMISSION_DENIED, NOT_OWNER); only its"
            + " submitter and the mesh's operators may; 'meshwork jobs' lists yours",
        MeshCli.describe(notOwner));
    assertEquals(MeshCli.EXIT_FAILURE, MeshCli.exitCode(notOwner));
    assertEquals(
        "cannot write out.bin: No space left on device",
        MeshCli.describe(
            new java.io.UncheckedIOException(
                "cannot write out.bin", new java.io.IOException("No space left on device"))));
  }
}
