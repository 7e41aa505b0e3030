package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.dist.SoakJobs.Kind;
import io.meshwork.dist.SoakJobs.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code meshwork bench --soak 20s} with 4 clients and one executor on a development mesh it starts
 * as a process of its own: it must print its report, no honest job may fail, and the mesh process
 * must have been sampled. The trend's figures are not judged here (20 s is no soak);
 * docs/BENCHMARKS.md has a real run's.
 */
class SoakSmokeTest {

  @Test
  void aShortSoakRunsMixedJobsSamplesTheMeshAndNoHonestJobFails() {
    CommandLine cli = Meshwork.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int code =
        cli.execute("bench", "--json", "--soak", "20s", "--clients", "4", "--executors", "1");

    assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
    BenchCommand bench = (BenchCommand) cli.getSubcommands().get("bench").getCommand();
    Soak.Result r = bench.lastSoak;
    assertEquals(0, r.honestFailures());
    long honest = 0;
    for (Kind k : Kind.values()) {
      if (k.honest) {
        honest += r.tallies().get(k).count(Outcome.COMPLETED);
      }
    }
    assertTrue(honest >= 4, "honest jobs completed: " + honest + "\n" + err);
    ProcessSampler mesh = r.processes().get(0);
    List<ProcessSampler.Sample> samples = mesh.samples();
    assertTrue(samples.size() >= 5, samples.size() + " samples; " + r.firstSampleFailure());
    for (ProcessSampler.Sample s : samples) {
      assertTrue(s.heapAfterGcBytes() >= 0 && s.threads() > 10 && s.openFds() > 10, s.toString());
    }
    String json = out.toString().strip();
    assertTrue(json.startsWith("{\"mesh\":") && json.contains("\"honest_failed\":0"), json);
    assertTrue(json.contains("\"heap_after_gc_slope_bytes_per_min\":"), json);
    // Each sample of the mesh started here follows a full collection, and none failed.
    assertTrue(json.contains("\"full_gc_before_each_sample\":true"), json);
    assertEquals(0, r.sampleFailures(), r.firstSampleFailure());
    assertTrue(json.contains("\"trap\":{\"honest\":false"), json);
    assertTrue(err.toString().contains("heap after GC"), "progress goes to stderr: " + err);
  }

  @Test
  void theHeapSlopeIsALeastSquaresLineInBytesPerMinute() {
    // 1 MiB per 30 s with noise that cancels out: 2 MiB per minute.
    List<ProcessSampler.Sample> s =
        List.of(
            new ProcessSampler.Sample(0, 10 << 20, 50, 60),
            new ProcessSampler.Sample(30, (11 << 20) + 1000, 50, 60),
            new ProcessSampler.Sample(60, (12 << 20) - 2000, 50, 60),
            new ProcessSampler.Sample(90, (13 << 20) + 1000, 50, 60));
    ProcessSampler.Trend t = ProcessSampler.trend(s);
    assertEquals(2 << 20, t.slopeBytesPerMinute(), 200);
    assertEquals(11.5 * (1 << 20), t.meanHeapBytes(), 1);
    assertEquals(SoakReport.parseDuration("10m").toSeconds(), 600);
    assertEquals(SoakReport.parseDuration("20s").toSeconds(), 20);
    assertEquals(SoakReport.parseDuration("1.5h").toSeconds(), 5400);
    assertEquals(
        3.0,
        ProcessSampler.gauge(
                "# TYPE x gauge\nmeshwork_process_threads{scope=\"application\",service=\"ledger\"}"
                    + " 3.0\n",
                "meshwork.process.threads")
            .orElseThrow());
  }
}
