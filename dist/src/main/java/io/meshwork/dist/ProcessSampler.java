package io.meshwork.dist;

import io.meshwork.runtime.ProcessGauges;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a service process's heap after GC, live threads and open file descriptors from the
 * Prometheus page of its admin port ({@link ProcessGauges}), and keeps every sample of a soak. The
 * figures are the process's own, so they do not include the load generator's threads or heap.
 */
final class ProcessSampler {
  /** One reading: seconds since the soak began, then the three gauges. */
  record Sample(double atSeconds, long heapAfterGcBytes, long threads, long openFds) {}

  /**
   * A least-squares line through the heap-after-GC samples after the warm-up: its slope in bytes
   * per minute, the mean heap over those samples, and their ratio (the share of the heap the slope
   * adds per minute).
   */
  record Trend(int samples, double slopeBytesPerMinute, double meanHeapBytes) {
    double slopeOverHeap() {
      return meanHeapBytes == 0 ? 0 : slopeBytesPerMinute / meanHeapBytes;
    }
  }

  private final String name;
  private final URI metrics;
  private final java.util.OptionalLong collectPid;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Sample> samples = new ArrayList<>();
  private String lastError = "";

  /**
   * A sampler of the process whose admin port is {@code adminTarget} ({@code host:port}), named
   * {@code name} in the report. With {@code collectPid} (a process on this machine), each sample
   * first has that process run a full collection ({@code jcmd PID GC.run}), so that the heap after
   * GC is the live heap: after a young collection it still holds whatever old garbage the last
   * concurrent cycle has not reached, a sawtooth that says nothing about a leak.
   */
  ProcessSampler(String name, String adminTarget, java.util.OptionalLong collectPid) {
    this.name = name;
    this.metrics = URI.create("http://" + adminTarget + "/observe/metrics");
    this.collectPid = collectPid;
  }

  /** Whether each sample follows a full collection. */
  boolean collectsFirst() {
    return collectPid.isPresent();
  }

  /** Has the process run a full collection and waits for it; false when that failed. */
  private boolean collect(long pid) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
            .redirectErrorStream(true)
            .start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      lastError = "jcmd " + pid + " GC.run failed: " + said;
      return false;
    }
    return true;
  }

  String name() {
    return name;
  }

  /** Takes one sample at {@code atSeconds}; false (and {@link #lastError}) when it failed. */
  boolean sample(double atSeconds) {
    try {
      if (collectPid.isPresent() && !collect(collectPid.getAsLong())) {
        return false;
      }
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(metrics)
                  .header("Accept", "text/plain")
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        lastError = metrics + " answered HTTP " + r.statusCode();
        return false;
      }
      String page = r.body();
      OptionalDouble heap = gauge(page, ProcessGauges.HEAP_AFTER_GC);
      OptionalDouble threads = gauge(page, ProcessGauges.THREADS);
      OptionalDouble fds = gauge(page, ProcessGauges.OPEN_FDS);
      if (heap.isEmpty() || threads.isEmpty() || fds.isEmpty()) {
        lastError = metrics + " has no " + ProcessGauges.HEAP_AFTER_GC + " gauges (an old mesh?)";
        return false;
      }
      synchronized (samples) {
        samples.add(
            new Sample(
                atSeconds,
                (long) heap.getAsDouble(),
                (long) threads.getAsDouble(),
                (long) fds.getAsDouble()));
      }
      return true;
    } catch (IOException e) {
      lastError = metrics + ": " + e.getMessage();
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lastError = "interrupted";
      return false;
    }
  }

  String lastError() {
    return lastError;
  }

  List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  /** The samples taken at or after {@code fromSeconds}. */
  List<Sample> after(double fromSeconds) {
    return samples().stream().filter(s -> s.atSeconds() >= fromSeconds).toList();
  }

  /** The heap trend over the samples at or after {@code fromSeconds}. */
  Trend trend(double fromSeconds) {
    return trend(after(fromSeconds));
  }

  /** The least-squares slope of heap after GC over time, per minute, and the mean heap. */
  static Trend trend(List<Sample> s) {
    int n = s.size();
    if (n == 0) {
      return new Trend(0, 0, 0);
    }
    double meanT = 0;
    double meanH = 0;
    for (Sample x : s) {
      meanT += x.atSeconds();
      meanH += x.heapAfterGcBytes();
    }
    meanT /= n;
    meanH /= n;
    double cov = 0;
    double var = 0;
    for (Sample x : s) {
      double dt = x.atSeconds() - meanT;
      cov += dt * (x.heapAfterGcBytes() - meanH);
      var += dt * dt;
    }
    double perSecond = var == 0 ? 0 : cov / var;
    return new Trend(n, perSecond * 60, meanH);
  }

  /**
   * The value of the gauge {@code dottedName} on a Prometheus page: Helidon writes it with
   * underscores, possibly with a unit or scope suffix and labels. The first series counts: every
   * service of a process publishes the same process-wide figures.
   */
  static OptionalDouble gauge(String page, String dottedName) {
    String base = dottedName.replace('.', '_');
    Pattern p =
        Pattern.compile(
            "(?m)^"
                + Pattern.quote(base)
                + "(?:_[a-z]+)?(?:\\{[^}]*\\})?\\s+([-+0-9.eE]+|NaN)\\s*$");
    Matcher m = p.matcher(page);
    if (!m.find()) {
      return OptionalDouble.empty();
    }
    String v = m.group(1);
    return v.equals("NaN") ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(v));
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s (%s)", name, metrics);
  }
}
