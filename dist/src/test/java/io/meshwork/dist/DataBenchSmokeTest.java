package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code meshwork bench-data} over 8 MiB on a mesh it starts itself: every way of counting must
 * give the same count, the mesh must have cut the chunks the local engine ran, and the report must
 * carry every figure. How fast is not checked here; docs/BENCHMARKS.md has the figures of a real
 * run.
 */
class DataBenchSmokeTest {

  @Test
  void everyWayCountsTheSameWordsAndEveryFigureIsReported() {
    CommandLine cli = Meshwork.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int code =
        cli.execute(
            "bench-data",
            "--json",
            "--data-size",
            "8m",
            "--chunk-size",
            "1m",
            "--rounds",
            "1",
            "--warmup",
            "0");

    assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
    DataBenchCommand bench = (DataBenchCommand) cli.getSubcommands().get("bench-data").getCommand();
    DataBenchReport report = bench.lastReport;
    assertTrue(report.countsAgree(), "counts: " + report.rounds());
    DataBenchReport.Round round = report.rounds().getFirst();
    assertTrue(report.data().bytes() >= 8 << 20, "bytes " + report.data().bytes());
    // Lines of at most 16 short words: a word per 8 bytes or so; far from zero, far from all.
    long words = round.engine().words();
    assertTrue(words > report.data().bytes() / 20 && words < report.data().bytes() / 3, "" + words);
    // The mesh cut exactly the chunks the engine ran (8 MiB in chunks of 1 MiB and a line).
    assertEquals(report.data().chunks().size(), round.mesh().chunks());
    assertEquals(8, round.mesh().chunks());
    assertTrue(round.mesh().uploadNanos() > 0 && round.mesh().jobNanos() > 0);
    assertTrue(round.engine().nanos() > 0 && round.java().nanos() > 0 && round.wc().nanos() > 0);
    assertTrue(report.ratioUploadExcluded() > 0 && report.ratioUploadIncluded() > 0);
    assertTrue(report.ratioUploadIncluded() <= report.ratioUploadExcluded());
    // The mesh runs in this JVM, so its CPU time is measured too.
    assertTrue(round.mesh().jobCpuNanos() > 0 && round.engine().cpuNanos() > 0);
    assertTrue(report.cpuRatioUploadExcluded() > 0);

    String json = out.toString().strip();
    for (String key :
        new String[] {
          "\"mesh_upload_included\":",
          "\"mesh_upload_excluded\":",
          "\"upload\":",
          "\"engine_one_thread\":",
          "\"java_one_thread\":",
          "\"wc_w\":",
          "\"mesh_upload_excluded_over_engine\":",
          "\"mesh_upload_included_over_engine\":",
          "\"median_cpu_ms_per_mb\":{\"mesh_upload_included\":",
          "\"mesh_cpu_per_mb_over_engine\":",
          "\"cpu_seconds\":{\"upload\":",
          "\"goal\":1.0000",
          "\"moonshot\":1.6000",
          "\"counts_agree\":true",
          "\"words\":{\"mesh\":" + words + ",\"engine\":" + words
        }) {
      assertTrue(json.contains(key), key + " in " + json);
    }
    assertTrue(json.startsWith("{\"data\":{\"bytes\":") && json.endsWith("}"), json);
    assertTrue(err.toString().contains("Round 1: one local engine thread"), "progress: " + err);
  }

  @Test
  void sizesTakeBinaryUnits() {
    DataBenchCommand.ByteSize size = new DataBenchCommand.ByteSize();
    assertEquals(1L << 30, size.convert("1g"));
    assertEquals(256L << 20, size.convert("256M"));
    assertEquals(8L << 20, size.convert("8MiB"));
    assertEquals(512L << 10, size.convert("512k"));
    assertEquals(1000L, size.convert("1000"));
  }
}
