package io.meshwork.dist;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.Identity;
import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.WasmEngine;
import io.meshwork.wasm.abi.SampleText;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Drives a running mesh with many small word-count jobs from concurrent clients and measures what
 * comes back: jobs and tasks per second, and the latency of each job from submit to result.
 *
 * <p>A task counts once its receipt is listed in the job's result, which the orchestrator does only
 * after the receipt is anchored and its executor paid: tasks per second are verified, paid and
 * anchored tasks. Every job's result is checked against the word count computed here, so a fast
 * wrong answer counts as a failure, not as throughput.
 */
final class MeshBench {
  /** Each line of a job's input is this long, so that splitting by lines gives one chunk each. */
  static final int LINE_BYTES = 64;

  /** Fewest samples a reference takes after its warm-up, however slow the machine is. */
  private static final int MIN_SAMPLES = 200;

  private static final String[] WORDS = {
    "mesh", "verifiable", "compute", "executor", "receipt", "ledger", "mana", "chunk", "merge",
    "wasm", "job", "task", "bid", "the", "a", "of", "and", "to"
  };

  /**
   * Where the mesh is and how to reach it: TLS trusting {@code caCertificate} (the JDK's CAs when
   * empty), or plaintext.
   */
  record Target(
      String orchestrator, String ledger, Optional<Path> caCertificate, boolean plaintext) {}

  /** One load: jobs of {@code chunks} chunks, from {@code clients} clients. */
  record Load(String name, int chunks, int clients, Duration warmup, Duration measured) {}

  /**
   * What one load measured; latencies in milliseconds. {@code cpuCores} is this process's CPU time
   * over the measured wall time and {@code cpuMillisPerTask} its CPU time per task: when the mesh
   * runs in this process, that is the whole mesh's cost of a task, which bounds tasks per second at
   * the machine's cores divided by it.
   */
  record Figures(
      String name,
      int chunks,
      int clients,
      double seconds,
      long jobs,
      long tasks,
      double jobsPerSecond,
      double tasksPerSecond,
      double p50Millis,
      double p90Millis,
      double p99Millis,
      double maxMillis,
      double cpuCores,
      double cpuMillisPerTask,
      long jobsRun,
      long jobsFailed,
      String firstFailure) {}

  /** Figures of the references, measured against the same mesh in the same process. */
  record Reference(
      double healthP50Millis,
      double healthMeanMillis,
      double engineP50Millis,
      double engineCallsPerSecond) {}

  private final Target target;
  private final byte[] module;

  MeshBench(Target target, byte[] module) {
    this.target = target;
    this.module = module.clone();
  }

  /**
   * Measures the references: the round trip of a gRPC health check to the orchestrator (the floor
   * of any call through the mesh), and a direct in-process call of the module's {@code execute} on
   * one line, one thread (the floor of any task).
   */
  Reference reference(Duration each) {
    double[] health = healthRoundTrips(each);
    double[] engine = engineCalls(each);
    return new Reference(health[0], health[1], engine[0], engine[1]);
  }

  private double[] healthRoundTrips(Duration each) {
    ManagedChannel channel =
        ClientChannels.open(target.orchestrator(), target.caCertificate(), target.plaintext());
    try {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
      List<Long> samples = new ArrayList<>();
      long warmUntil = System.nanoTime() + each.toNanos() / 4;
      long until = warmUntil + each.toNanos();
      while (System.nanoTime() < until || samples.size() < MIN_SAMPLES) {
        long t0 = System.nanoTime();
        health
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
        long t1 = System.nanoTime();
        if (t0 >= warmUntil) {
          samples.add(t1 - t0);
        }
      }
      long[] sorted = sorted(samples);
      return new double[] {millis(percentile(sorted, 50)), millis(mean(sorted))};
    } finally {
      channel.shutdownNow();
    }
  }

  private double[] engineCalls(Duration each) {
    WasmEngine engine = WasmEngine.chicory();
    byte[] line = input(new SplittableRandom(1), 1);
    SandboxLimits limits = SandboxLimits.defaults().withWallTimeMillis(10_000);
    try {
      CompiledModule compiled = engine.compile(module);
      List<Long> samples = new ArrayList<>();
      long warmUntil = System.nanoTime() + each.toNanos() / 4;
      long until = warmUntil + each.toNanos();
      long started = 0;
      while (System.nanoTime() < until || samples.size() < MIN_SAMPLES) {
        long t0 = System.nanoTime();
        CallOutcome out = engine.call(compiled, "execute", line, limits);
        long t1 = System.nanoTime();
        if (out.output().length == 0) {
          throw new IllegalStateException("the direct execute returned nothing");
        }
        if (t0 >= warmUntil) {
          if (started == 0) {
            started = t0;
          }
          samples.add(t1 - t0);
        }
      }
      long[] sorted = sorted(samples);
      double seconds = (System.nanoTime() - started) / 1e9;
      return new double[] {millis(percentile(sorted, 50)), sorted.length / seconds};
    } catch (SandboxException e) {
      throw new IllegalStateException("the word-count module does not run here: " + e, e);
    }
  }

  /**
   * Runs {@code load}: every client submits a job, waits for its result, checks it and submits the
   * next, through the warm-up and the measured window; then the clients finish the jobs they have
   * in flight. {@code progress} gets a line about every second.
   */
  Figures run(Load load, Consumer<String> progress) throws InterruptedException {
    long start = System.nanoTime();
    long measureFrom = start + load.warmup().toNanos();
    long measureUntil = measureFrom + load.measured().toNanos();
    Window window = new Window(measureFrom, measureUntil);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < load.clients(); c++) {
      int client = c;
      clients.add(
          Thread.ofPlatform()
              .name("bench-client-" + c)
              .daemon()
              .start(() -> clientLoop(load, client, window)));
    }
    long lastJobs = 0;
    long lastAt = start;
    long nextTick = start + TimeUnit.SECONDS.toNanos(1);
    long cpuFrom = -1;
    while (true) {
      long now = System.nanoTime();
      if (cpuFrom < 0 && now >= measureFrom) {
        cpuFrom = processCpuNanos();
      }
      if (now >= measureUntil) {
        break;
      }
      long wake = Math.min(nextTick, cpuFrom < 0 ? measureFrom : measureUntil);
      TimeUnit.NANOSECONDS.sleep(Math.max(0, wake - now));
      now = System.nanoTime();
      if (now < nextTick) {
        continue;
      }
      nextTick += TimeUnit.SECONDS.toNanos(1);
      long jobs = window.jobsRun.get();
      double rate = (jobs - lastJobs) / ((now - lastAt) / 1e9);
      progress.accept(
          String.format(
              "  %-12s %-8s %5.1f s  %,7d jobs  %,8d tasks  %,7.0f jobs/s now  %d failed",
              load.name(),
              now < measureFrom ? "warm-up" : "measured",
              (now - start) / 1e9,
              jobs,
              window.tasksRun.get(),
              rate,
              window.failed.get()));
      lastJobs = jobs;
      lastAt = now;
    }
    long cpuNanos = processCpuNanos() - cpuFrom;
    window.stop = true;
    for (Thread t : clients) {
      t.join(TimeUnit.SECONDS.toMillis(120));
    }
    long[] latencies;
    synchronized (window) {
      latencies = sorted(window.latencies);
    }
    // A load with no measured window (a warm-up) reports its failures and nothing else.
    double seconds = Math.max(load.measured().toNanos() / 1e9, 1e-9);
    long tasks = window.measuredTasks.get();
    return new Figures(
        load.name(),
        load.chunks(),
        load.clients(),
        seconds,
        latencies.length,
        tasks,
        latencies.length / seconds,
        tasks / seconds,
        millis(percentile(latencies, 50)),
        millis(percentile(latencies, 90)),
        millis(percentile(latencies, 99)),
        millis(latencies.length == 0 ? 0 : latencies[latencies.length - 1]),
        cpuNanos / 1e9 / seconds,
        tasks == 0 ? 0 : millis((double) cpuNanos / tasks),
        window.jobsRun.get(),
        window.failed.get(),
        window.firstFailure.get());
  }

  /** What the clients of one load share: the measured window and the tallies. */
  private static final class Window {
    final long from;
    final long until;
    volatile boolean stop;
    final List<Long> latencies = new ArrayList<>();
    final AtomicLong measuredTasks = new AtomicLong();
    final AtomicLong jobsRun = new AtomicLong();
    final AtomicLong tasksRun = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicReference<String> firstFailure = new AtomicReference<>("");

    Window(long from, long until) {
      this.from = from;
      this.until = until;
    }

    void fail(String why) {
      failed.incrementAndGet();
      firstFailure.compareAndSet("", why);
    }
  }

  private void clientLoop(Load load, int client, Window window) {
    // Each client is its own identity, funded by the development grant on its first ledger read,
    // and has its own connections, as separate users of the mesh would.
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .orchestratorTarget(target.orchestrator())
            .ledgerTarget(target.ledger())
            .identity(Identity.generate())
            .caCertificate(target.caCertificate().orElse(null))
            .plaintext(target.plaintext())
            .build();
    SplittableRandom random = new SplittableRandom(31L * client + load.chunks());
    try (MeshClient mesh = MeshClient.connect(options)) {
      mesh.balance();
      while (!window.stop) {
        byte[] text = input(random, load.chunks());
        long expected = SampleText.countWords(text);
        JobRequest job =
            JobRequest.newBuilder()
                .wasmModule(module)
                .input(text)
                .splitStrategy(SplitStrategy.LINES)
                .maxChunkSize(LINE_BYTES)
                .verificationMode(VerificationMode.HASH)
                .retryCount(2)
                .timeoutSecs(120)
                .manaBudget(50L * (load.chunks() + 1))
                .build();
        long t0 = System.nanoTime();
        JobResult result;
        try {
          result = mesh.result(mesh.submit(job), Duration.ofSeconds(120));
        } catch (RuntimeException e) {
          window.jobsRun.incrementAndGet();
          window.fail("client " + client + ": " + e.getMessage());
          continue;
        }
        long t1 = System.nanoTime();
        window.jobsRun.incrementAndGet();
        String problem = check(result, expected, load.chunks());
        if (problem != null) {
          window.fail("job " + result.jobId() + ": " + problem);
          continue;
        }
        int tasks = result.receipts().size();
        window.tasksRun.addAndGet(tasks);
        if (t1 >= window.from && t1 <= window.until) {
          window.measuredTasks.addAndGet(tasks);
          synchronized (window) {
            window.latencies.add(t1 - t0);
          }
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // A client that stops early fails the run rather than quietly lowering its figures.
      window.fail("client " + client + " stopped: " + e);
    }
  }

  /** Why the result is wrong, or null when it is right and fully receipted. */
  private static String check(JobResult result, long expected, int chunks) {
    if (!result.success()) {
      return "did not complete: " + result.error();
    }
    String count = new String(result.bytes(), StandardCharsets.US_ASCII).trim();
    if (!count.equals(Long.toString(expected))) {
      return "counted " + count + " words, expected " + expected;
    }
    // One receipt per chunk and one for the merge, each anchored at a log position.
    if (result.receipts().size() != chunks + 1) {
      return result.receipts().size() + " receipts for " + chunks + " chunks and a merge";
    }
    for (ReceiptRef r : result.receipts()) {
      if (r.getReceiptCid().isEmpty()) {
        return "task " + r.getTaskId() + " has no anchored receipt";
      }
    }
    return null;
  }

  /** {@code lines} lines of words, each exactly {@link #LINE_BYTES} long with its newline. */
  static byte[] input(SplittableRandom random, int lines) {
    StringBuilder text = new StringBuilder(lines * LINE_BYTES);
    for (int l = 0; l < lines; l++) {
      int lineStart = text.length();
      while (true) {
        String word = WORDS[random.nextInt(WORDS.length)];
        int used = text.length() - lineStart;
        if (used + (used == 0 ? 0 : 1) + word.length() > LINE_BYTES - 1) {
          break;
        }
        if (used > 0) {
          text.append(' ');
        }
        text.append(word);
      }
      while (text.length() - lineStart < LINE_BYTES - 1) {
        text.append(' ');
      }
      text.append('\n');
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The CPU time every thread of this JVM has used so far. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long[] sorted(List<Long> samples) {
    long[] a = samples.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    return a;
  }

  /** The nearest-rank percentile of sorted samples; 0 when there are none. */
  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double mean(long[] samples) {
    return samples.length == 0 ? 0 : Arrays.stream(samples).average().orElse(0);
  }

  private static double millis(double nanos) {
    return nanos / 1e6;
  }
}
