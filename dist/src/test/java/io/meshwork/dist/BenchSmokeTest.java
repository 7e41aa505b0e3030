package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code meshwork bench} for a couple of seconds on a mesh it starts itself: it must produce its
 * figures, and every job it ran must have completed with the right word count and a receipt per
 * task. How fast is not checked here; docs/BENCHMARKS.md has the figures of a real run.
 */
class BenchSmokeTest {

  @Test
  void runsEveryScenarioAndEveryJobCompletesWithTheRightCount() {
    CommandLine cli = Meshwork.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int code =
        cli.execute(
            "bench",
            "--json",
            "--seconds",
            "1",
            "--warmup-seconds",
            "0.5",
            "--jit-warmup-seconds",
            "0.5",
            "--clients",
            "2");

    assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
    BenchCommand bench = (BenchCommand) cli.getSubcommands().get("bench").getCommand();
    List<MeshBench.Figures> figures = bench.lastFigures;
    assertEquals(
        List.of("latency", "one-chunk", "multi-chunk"),
        figures.stream().map(f -> f.name()).toList());
    for (MeshBench.Figures f : figures) {
      assertEquals(0, f.jobsFailed(), f.name() + ": " + f.firstFailure());
      // Each client finishes the job it has in flight when the time is up, so each ran one.
      assertTrue(f.jobsRun() >= f.clients(), f.name() + " ran " + f.jobsRun() + " jobs");
      // Only jobs that passed every check are counted, each with a receipt per chunk and merge.
      assertEquals(f.jobs() * (f.chunks() + 1), f.tasks(), f.name());
      assertTrue(f.jobsPerSecond() >= 0 && f.p50Millis() <= f.maxMillis(), f.name());
    }
    assertEquals(1, figures.get(0).chunks());
    assertEquals(1, figures.get(0).clients());
    assertEquals(1, figures.get(1).chunks());
    assertEquals(2, figures.get(1).clients());
    assertEquals(BenchCommand.DEFAULT_MULTI_CHUNKS, figures.get(2).chunks());
    assertTrue(bench.lastReference.healthP50Millis() > 0);
    assertTrue(bench.lastReference.engineCallsPerSecond() > 0);
    String json = out.toString().strip();
    assertTrue(
        json.startsWith("{\"mesh\":") && json.contains("\"scenarios\":[{\"name\":\"latency\""),
        json);
    assertTrue(err.toString().contains("multi-chunk"), "progress lines go to stderr with --json");
    assertTrue(err.toString().contains("JIT warm-up"), "the JIT warm-up runs first: " + err);
  }
}
