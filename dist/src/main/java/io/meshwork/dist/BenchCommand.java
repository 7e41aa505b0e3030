package io.meshwork.dist;

import io.meshwork.client.cli.MeshCli;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork bench}: a load generator for the whole mesh. It starts the development mesh in a
 * temporary folder (or drives one already running), then runs many small word-count jobs from
 * concurrent clients and reports jobs and verified, paid and anchored tasks per second and the
 * latency from submit to result, beside references measured in the same run.
 */
@Command(
    name = "bench",
    description =
        "Load the whole mesh with many small jobs; report jobs/s, tasks/s and latency"
            + " percentiles against references measured in the same run.")
final class BenchCommand implements Callable<Integer> {
  private static final int LATENCY_GOAL_MS = 25;
  private static final int TASKS_GOAL = 1_000;

  /** The chunks per job of the default multi-chunk scenario. */
  static final int DEFAULT_MULTI_CHUNKS = 16;

  @Mixin BenchMesh.Options meshOptions;

  @Option(
      names = "--seconds",
      description = "Measured seconds per scenario (default: ${DEFAULT-VALUE}).")
  double seconds = 10;

  @Option(
      names = "--warmup-seconds",
      description = "Warm-up seconds per scenario, not measured (default: ${DEFAULT-VALUE}).")
  double warmupSeconds = 3;

  @Option(
      names = "--jit-warmup-seconds",
      description =
          "Seconds of the multi-chunk load before the first scenario, not measured, so that every"
              + " scenario finds the JIT's work done (default: ${DEFAULT-VALUE}).")
  double jitWarmupSeconds = 30;

  @Option(
      names = "--clients",
      description =
          "Concurrent clients, each with one job in flight (default: 8; with --soak, 16).")
  Integer clients;

  @Option(
      names = "--soak",
      paramLabel = "DURATION",
      description =
          "Instead of the scenarios, a soak of this long (20s, 10m, 2h): mixed jobs, some failing"
              + " or cancelled on purpose, while the service processes' heap after GC, threads and"
              + " open files are sampled.")
  String soak;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      description =
          "With --soak and --target: the admin port of a service process to sample; repeatable"
              + " (default: the orchestrator's, at its port + "
              + MeshLayout.ADMIN_OFFSET
              + ").")
  List<String> admins = new ArrayList<>();

  @Option(
      names = "--chunks",
      description =
          "Chunks (tasks before the merge) per job; by default two scenarios run: 1 and "
              + DEFAULT_MULTI_CHUNKS
              + ".")
  Integer chunks;

  // The global --json of the meshwork command prints the figures as one JSON object on stdout;
  // progress then goes to stderr.
  @Spec CommandSpec spec;

  /** Figures of the last run, for the smoke tests. */
  MeshBench.Reference lastReference;

  Soak.Result lastSoak;

  List<MeshBench.Figures> lastFigures = List.of();

  private PrintWriter out;
  private PrintWriter err;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    boolean json = MeshCli.from(spec).json();
    if (soak != null) {
      return soak(json);
    }
    if (!admins.isEmpty()) {
      err.println("bench: --admin goes with --soak");
      return 2;
    }
    int clients = this.clients == null ? 8 : this.clients;
    if (seconds <= 0 || warmupSeconds < 0 || jitWarmupSeconds < 0) {
      err.println("bench: --seconds must be positive, the warm-ups zero or more");
      return 2;
    }
    if (clients < 1 || meshOptions.executors < 1) {
      err.println("bench: --clients and --executors must be at least 1");
      return 2;
    }
    if (chunks != null && chunks < 1) {
      err.println("bench: --chunks must be at least 1");
      return 2;
    }
    PrintWriter progress = json ? err : out;
    boolean plaintext = MeshCli.from(spec).plaintext();
    if (plaintext) {
      err.println("bench: --plaintext: INSECURE, the mesh runs and is called without TLS");
    }
    try (BenchMesh mesh =
        meshOptions.open(plaintext, MeshCli.from(spec).caCertificate().orElse(null), progress)) {
      MeshBench.Target where = mesh.target();
      MeshBench bench = new MeshBench(where, wordCountModule());
      // A quarter of the measured time, at most a second, is plenty for the references.
      MeshBench.Reference reference =
          bench.reference(Duration.ofMillis((long) Math.min(1000, seconds * 250)));
      progress.printf(
          Locale.ROOT,
          "Reference: gRPC health check round trip p50 %.3f ms; direct execute of one line"
              + " (ChicoryEngine, one thread) p50 %.3f ms, %,.0f calls/s%n",
          reference.healthP50Millis(),
          reference.engineP50Millis(),
          reference.engineCallsPerSecond());
      List<MeshBench.Load> loads = new ArrayList<>();
      Duration warmup = Duration.ofMillis((long) (warmupSeconds * 1000));
      Duration measured = Duration.ofMillis((long) (seconds * 1000));
      if (chunks == null) {
        // Latency as one user sees it on a quiet mesh, then throughput under concurrent users.
        loads.add(new MeshBench.Load("latency", 1, 1, warmup, measured));
        loads.add(new MeshBench.Load("one-chunk", 1, clients, warmup, measured));
        loads.add(
            new MeshBench.Load("multi-chunk", DEFAULT_MULTI_CHUNKS, clients, warmup, measured));
      } else {
        String name = chunks == 1 ? "one-chunk" : "multi-chunk";
        loads.add(new MeshBench.Load(name, chunks, clients, warmup, measured));
      }
      long failedWarmingUp = 0;
      if (jitWarmupSeconds > 0) {
        // The JIT needs about half a minute of this load before the mesh runs at its speed; a
        // scenario's own warm-up is too short for that when it comes first.
        MeshBench.Load warming =
            new MeshBench.Load(
                "jit-warm-up",
                chunks == null ? DEFAULT_MULTI_CHUNKS : chunks,
                clients,
                Duration.ofMillis((long) (jitWarmupSeconds * 1000)),
                Duration.ZERO);
        progress.printf(
            "JIT warm-up: jobs of %d chunk(s) + merge, %d clients, %.1f s, not measured%n",
            warming.chunks(), warming.clients(), jitWarmupSeconds);
        failedWarmingUp =
            bench
                .run(
                    warming,
                    line -> {
                      progress.println(line);
                      progress.flush();
                    })
                .jobsFailed();
      }
      List<MeshBench.Figures> figures = new ArrayList<>();
      for (MeshBench.Load load : loads) {
        progress.printf(
            "%s: jobs of %d chunk(s) + merge, %d clients, %.1f s warm-up, %.1f s measured%n",
            load.name(), load.chunks(), load.clients(), warmupSeconds, seconds);
        figures.add(
            bench.run(
                load,
                line -> {
                  progress.println(line);
                  progress.flush();
                }));
      }
      lastReference = reference;
      lastFigures = List.copyOf(figures);
      if (json) {
        out.println(json(reference, figures, meshOptions.target == null, where));
      } else {
        printTable(reference, figures);
      }
      long failed =
          failedWarmingUp + figures.stream().mapToLong(MeshBench.Figures::jobsFailed).sum();
      if (failedWarmingUp > 0) {
        err.println("bench: " + failedWarmingUp + " job(s) failed during the JIT warm-up");
      }
      out.flush();
      return failed == 0 ? 0 : 1;
    }
  }

  private int soak(boolean json) throws Exception {
    Duration duration;
    try {
      duration = SoakReport.parseDuration(soak);
    } catch (IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      return 2;
    }
    int n = clients == null ? 16 : clients;
    if (n < 1 || meshOptions.executors < 1) {
      err.println("bench: --clients and --executors must be at least 1");
      return 2;
    }
    if (meshOptions.target != null && !meshOptions.settings.isEmpty()) {
      err.println("bench: --set configures the mesh started here; a running mesh keeps its own");
      return 2;
    }
    if (meshOptions.target == null && !admins.isEmpty()) {
      err.println("bench: --admin names the processes of a running mesh (--target)");
      return 2;
    }
    PrintWriter progress = json ? err : out;
    boolean plaintext = MeshCli.from(spec).plaintext();
    try (SoakMesh mesh = soakMesh(plaintext, progress)) {
      Soak.Options options = Soak.Options.of(duration, n);
      progress.printf(
          Locale.ROOT,
          "Soak: %d clients for %.0f s, mixed jobs; sampling %s every %.0f s (trend after %.0f"
              + " s)%n",
          n,
          duration.toMillis() / 1e3,
          mesh.samplers(),
          options.sampleEvery().toMillis() / 1e3,
          options.warmup().toMillis() / 1e3);
      progress.flush();
      Soak.Result result =
          new Soak(mesh.target(), new SoakJobs(wordCountModule()), options, mesh.samplers())
              .run(
                  line -> {
                    progress.println(line);
                    progress.flush();
                  });
      lastSoak = result;
      if (json) {
        out.println(SoakReport.json(result, meshOptions.target == null, mesh.target()));
      } else {
        SoakReport.print(out, result);
      }
      out.flush();
      if (result.honestFailures() > 0) {
        err.println("bench: " + result.honestFailures() + " honest job(s) failed");
        return 1;
      }
      if (result.unexpected() > 0) {
        err.println(
            "bench: " + result.unexpected() + " job(s) ended other than their kind expects");
        return 1;
      }
      return 0;
    }
  }

  private SoakMesh soakMesh(boolean plaintext, PrintWriter progress) throws Exception {
    if (meshOptions.target == null) {
      return SoakMesh.start(meshOptions.executors, plaintext, meshOptions.settings, progress);
    }
    MeshBench.Target where =
        BenchMesh.running(
                meshOptions.target,
                meshOptions.ledgerTarget,
                MeshCli.from(spec).caCertificate().orElse(null),
                plaintext,
                progress)
            .target();
    List<String> sampled = admins;
    if (sampled.isEmpty()) {
      int colon = meshOptions.target.lastIndexOf(':');
      sampled =
          List.of(
              meshOptions.target.substring(0, colon)
                  + ":"
                  + (Integer.parseInt(meshOptions.target.substring(colon + 1))
                      + MeshLayout.ADMIN_OFFSET));
    }
    return SoakMesh.running(where, sampled);
  }

  private void printTable(MeshBench.Reference ref, List<MeshBench.Figures> figures) {
    out.println();
    out.printf(
        "%-12s %6s %8s %8s %9s %8s %8s %8s %8s %7s %11s %9s %6s %12s%n",
        "scenario",
        "chunks",
        "jobs",
        "jobs/s",
        "tasks/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "failed",
        "p50/health",
        "cpu/task",
        "cores",
        "tasks/direct");
    for (MeshBench.Figures f : figures) {
      out.printf(
          Locale.ROOT,
          "%-12s %6d %8d %8.1f %9.1f %8.2f %8.2f %8.2f %8.2f %7d %10.1fx %6.2f ms %6.2f %11.3fx%n",
          f.name(),
          f.chunks(),
          f.jobs(),
          f.jobsPerSecond(),
          f.tasksPerSecond(),
          f.p50Millis(),
          f.p90Millis(),
          f.p99Millis(),
          f.maxMillis(),
          f.jobsFailed(),
          ratio(f.p50Millis(), ref.healthP50Millis()),
          f.cpuMillisPerTask(),
          f.cpuCores(),
          ratio(f.tasksPerSecond(), ref.engineCallsPerSecond()));
    }
    out.println(
        "tasks are verified, paid and anchored (one receipt per chunk plus the merge's);"
            + " p50/health: the job's median latency over a gRPC health check's;"
            + " cpu/task and cores: this process's CPU time per task and in use (the whole mesh"
            + " when it runs here); tasks/direct: tasks/s over direct execute calls/s on one"
            + " thread.");
    printGoals(figures);
    for (MeshBench.Figures f : figures) {
      if (f.jobsFailed() > 0) {
        out.printf(
            "%s: %d of %d jobs failed; the first: %s%n",
            f.name(), f.jobsFailed(), f.jobsRun(), f.firstFailure());
      }
    }
  }

  /** The goals of the mesh's load test, against the scenarios that measure them. */
  private void printGoals(List<MeshBench.Figures> figures) {
    for (MeshBench.Figures f : figures) {
      if (f.chunks() == 1 && f.clients() == 1) {
        out.printf(
            Locale.ROOT,
            "goal: one-chunk job median latency under %d ms, one client: %.2f ms, %s%n",
            LATENCY_GOAL_MS,
            f.p50Millis(),
            f.p50Millis() < LATENCY_GOAL_MS ? "met" : "NOT met");
      }
    }
    figures.stream()
        .max(Comparator.comparingDouble(MeshBench.Figures::tasksPerSecond))
        .ifPresent(
            best ->
                out.printf(
                    Locale.ROOT,
                    "goal: %,d verified, paid and anchored tasks/s: best %,.0f (%s), %s%n",
                    TASKS_GOAL,
                    best.tasksPerSecond(),
                    best.name(),
                    best.tasksPerSecond() >= TASKS_GOAL ? "met" : "NOT met"));
  }

  private static String json(
      MeshBench.Reference ref,
      List<MeshBench.Figures> figures,
      boolean startedHere,
      MeshBench.Target where) {
    StringBuilder s = new StringBuilder();
    s.append("{\"mesh\":{\"orchestrator\":\"")
        .append(where.orchestrator())
        .append("\",\"started_here\":")
        .append(startedHere)
        .append("},\"reference\":{")
        .append(field("health_rtt_p50_ms", ref.healthP50Millis()))
        .append(',')
        .append(field("health_rtt_mean_ms", ref.healthMeanMillis()))
        .append(',')
        .append(field("direct_execute_p50_ms", ref.engineP50Millis()))
        .append(',')
        .append(field("direct_execute_calls_per_s", ref.engineCallsPerSecond()))
        .append("},\"scenarios\":[");
    for (int i = 0; i < figures.size(); i++) {
      MeshBench.Figures f = figures.get(i);
      if (i > 0) {
        s.append(',');
      }
      s.append("{\"name\":\"")
          .append(f.name())
          .append("\",\"chunks\":")
          .append(f.chunks())
          .append(",\"clients\":")
          .append(f.clients())
          .append(',')
          .append(field("seconds", f.seconds()))
          .append(",\"jobs\":")
          .append(f.jobs())
          .append(",\"tasks\":")
          .append(f.tasks())
          .append(',')
          .append(field("jobs_per_s", f.jobsPerSecond()))
          .append(',')
          .append(field("tasks_per_s", f.tasksPerSecond()))
          .append(",\"latency_ms\":{")
          .append(field("p50", f.p50Millis()))
          .append(',')
          .append(field("p90", f.p90Millis()))
          .append(',')
          .append(field("p99", f.p99Millis()))
          .append(',')
          .append(field("max", f.maxMillis()))
          .append("},")
          .append(field("process_cpu_cores", f.cpuCores()))
          .append(',')
          .append(field("process_cpu_ms_per_task", f.cpuMillisPerTask()))
          .append(',')
          .append(field("p50_over_health_rtt", ratio(f.p50Millis(), ref.healthP50Millis())))
          .append(',')
          .append(
              field(
                  "tasks_per_s_over_direct_calls_per_s",
                  ratio(f.tasksPerSecond(), ref.engineCallsPerSecond())))
          .append(",\"jobs_run\":")
          .append(f.jobsRun())
          .append(",\"jobs_failed\":")
          .append(f.jobsFailed())
          .append(",\"first_failure\":\"")
          .append(f.firstFailure().replace("\\", "\\\\").replace("\"", "\\\"").replace('\n', ' '))
          .append("\"}");
    }
    return s.append("]}").toString();
  }

  private static String field(String name, double value) {
    return "\"" + name + "\":" + String.format(Locale.ROOT, "%.4f", value);
  }

  private static double ratio(double a, double b) {
    return b == 0 ? 0 : a / b;
  }

  static byte[] wordCountModule() throws IOException {
    try (InputStream in = BenchCommand.class.getResourceAsStream("/examples/wordcount.wasm")) {
      if (in == null) {
        throw new IOException("the word-count module is missing from the launcher's resources");
      }
      return in.readAllBytes();
    }
  }
}
