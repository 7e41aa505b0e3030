package io.meshwork.dist;

import io.meshwork.dist.SoakJobs.Kind;
import io.meshwork.dist.SoakJobs.Outcome;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of a soak, for people (a table of jobs by kind and outcome, then each process's heap
 * trend, threads and open files) and as one JSON object ({@code --json}).
 */
final class SoakReport {
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)([smh]?)");

  private SoakReport() {}

  /**
   * A duration as the command line gives it: a number of seconds, or with {@code s}, {@code m} or
   * {@code h} after it ({@code 20s}, {@code 10m}, {@code 1.5h}).
   *
   * @throws IllegalArgumentException for anything else, or a duration under a second
   */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--soak takes a duration such as 20s, 10m or 2h, not '" + text + "'");
    }
    double n = Double.parseDouble(m.group(1));
    double seconds =
        switch (m.group(2)) {
          case "m" -> n * 60;
          case "h" -> n * 3600;
          default -> n;
        };
    if (seconds < 1) {
      throw new IllegalArgumentException("--soak must be at least 1s, not '" + text + "'");
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  static void print(PrintWriter out, Soak.Result r) {
    double warm = r.options().warmup().toMillis() / 1e3;
    out.println();
    out.printf(
        Locale.ROOT,
        "soak: %.0f s, %d clients; jobs by kind and outcome%n",
        r.seconds(),
        r.options().clients());
    out.printf("%-11s %7s", "kind", "jobs");
    for (Outcome o : Outcome.values()) {
      out.printf(" %9s", o.label());
    }
    out.printf(" %10s%n", "unexpected");
    for (Kind k : Kind.values()) {
      Soak.Tally t = r.tallies().get(k);
      out.printf("%-11s %7d", k.label() + (k.honest ? "" : "*"), t.total());
      for (Outcome o : Outcome.values()) {
        out.printf(" %9d", t.count(o));
      }
      out.printf(" %10d%n", r.unexpected(k));
    }
    out.println(
        "* fails or is cancelled on purpose: trap and over-limit must fail (or be refused),"
            + " cancelled must end cancelled (or completed, when the cancel came too late)");
    for (ProcessSampler p : r.processes()) {
      List<ProcessSampler.Sample> after = p.after(warm);
      ProcessSampler.Trend trend = ProcessSampler.trend(after);
      out.printf(
          Locale.ROOT,
          "%s: %d samples, %d after the %.0f s warm-up%s%n",
          p.name(),
          p.samples().size(),
          after.size(),
          warm,
          p.collectsFirst()
              ? "; each after a full GC (jcmd GC.run)"
              : "; heap after the process's last GC");
      if (after.isEmpty()) {
        continue;
      }
      ProcessSampler.Sample first = after.get(0);
      ProcessSampler.Sample last = after.get(after.size() - 1);
      out.printf(
          Locale.ROOT,
          "  heap after GC: %.1f MiB -> %.1f MiB, mean %.1f MiB; least-squares slope %+,.0f"
              + " bytes/min = %+.4f %% of the heap per minute%n",
          first.heapAfterGcBytes() / 1048576.0,
          last.heapAfterGcBytes() / 1048576.0,
          trend.meanHeapBytes() / 1048576.0,
          trend.slopeBytesPerMinute(),
          trend.slopeOverHeap() * 100);
      out.printf(
          "  threads: %d -> %d; open file descriptors: %d -> %d%n",
          first.threads(), last.threads(), first.openFds(), last.openFds());
    }
    if (r.sampleFailures() > 0) {
      out.printf(
          "%d sample(s) failed; the first: %s%n", r.sampleFailures(), r.firstSampleFailure());
    }
    for (Kind k : Kind.values()) {
      String first = r.tallies().get(k).firstUnexpected.get();
      if (!first.isEmpty()) {
        out.printf("%s: first unexpected end: %s%n", k.label(), first);
      }
    }
    out.printf(
        "honest jobs that failed: %d%s%n",
        r.honestFailures(), r.honestFailures() == 0 ? "" : " (the soak FAILED)");
  }

  static String json(Soak.Result r, boolean startedHere, MeshBench.Target where) {
    double warm = r.options().warmup().toMillis() / 1e3;
    StringBuilder s = new StringBuilder();
    s.append("{\"mesh\":{\"orchestrator\":\"")
        .append(where.orchestrator())
        .append("\",\"started_here\":")
        .append(startedHere)
        .append("},")
        .append(num("seconds", r.seconds()))
        .append(",\"clients\":")
        .append(r.options().clients())
        .append(',')
        .append(num("warmup_seconds", warm))
        .append(',')
        .append(num("sample_every_seconds", r.options().sampleEvery().toMillis() / 1e3))
        .append(",\"jobs\":{");
    boolean firstKind = true;
    for (Kind k : Kind.values()) {
      Soak.Tally t = r.tallies().get(k);
      s.append(firstKind ? "" : ",").append('"').append(k.label()).append("\":{");
      firstKind = false;
      s.append("\"honest\":").append(k.honest).append(",\"total\":").append(t.total());
      for (Outcome o : Outcome.values()) {
        s.append(",\"").append(o.label()).append("\":").append(t.count(o));
      }
      s.append(",\"unexpected\":")
          .append(r.unexpected(k))
          .append(",\"first_unexpected\":\"")
          .append(escape(t.firstUnexpected.get()))
          .append("\"}");
    }
    s.append("},\"honest_failed\":")
        .append(r.honestFailures())
        .append(",\"unexpected\":")
        .append(r.unexpected())
        .append(",\"sample_failures\":")
        .append(r.sampleFailures())
        .append(",\"processes\":[");
    boolean firstProcess = true;
    for (ProcessSampler p : r.processes()) {
      List<ProcessSampler.Sample> after = p.after(warm);
      ProcessSampler.Trend trend = ProcessSampler.trend(after);
      s.append(firstProcess ? "" : ",").append("{\"name\":\"").append(escape(p.name()));
      firstProcess = false;
      s.append("\",\"full_gc_before_each_sample\":").append(p.collectsFirst());
      s.append(",\"samples\":")
          .append(p.samples().size())
          .append(",\"samples_after_warmup\":")
          .append(after.size());
      if (!after.isEmpty()) {
        ProcessSampler.Sample first = after.get(0);
        ProcessSampler.Sample last = after.get(after.size() - 1);
        s.append(',')
            .append(num("heap_after_gc_slope_bytes_per_min", trend.slopeBytesPerMinute()))
            .append(',')
            .append(num("heap_after_gc_mean_bytes", trend.meanHeapBytes()))
            .append(',')
            .append(num("slope_over_heap_per_min", trend.slopeOverHeap()))
            .append(",\"heap_after_gc_first\":")
            .append(first.heapAfterGcBytes())
            .append(",\"heap_after_gc_last\":")
            .append(last.heapAfterGcBytes())
            .append(",\"threads_first\":")
            .append(first.threads())
            .append(",\"threads_last\":")
            .append(last.threads())
            .append(",\"fds_first\":")
            .append(first.openFds())
            .append(",\"fds_last\":")
            .append(last.openFds());
      }
      s.append('}');
    }
    return s.append("]}").toString();
  }

  private static String num(String name, double value) {
    return "\"" + name + "\":" + String.format(Locale.ROOT, "%.6f", value);
  }

  private static String escape(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"").replace('\n', ' ');
  }
}
