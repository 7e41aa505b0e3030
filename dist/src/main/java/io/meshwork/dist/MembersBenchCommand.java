package io.meshwork.dist;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.client.ExecutorMember;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.cli.MeshCli;
import io.meshwork.identity.Identity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork bench-members}: what membership costs the orchestrator (issue 16). It starts the
 * orchestrator, ledger and receipt log as one process of their own ({@code meshwork dev --executors
 * 0}), measures that process's CPU time from {@code /proc} over a window with no executor (the
 * reference), then has N lightweight members join and heartbeat over TLS (the executor's own join
 * client and membership link; see {@link BenchJoiner}) and measures the same window again. The
 * difference, as a share of one core, is what N members cost; the goal is under 2 % for 100.
 */
@Command(
    name = "bench-members",
    description =
        "Measure the orchestrator's CPU with N members heartbeating over TLS against the same"
            + " with none; report the difference as a share of one core.")
final class MembersBenchCommand implements Callable<Integer> {
  private static final double GOAL_SHARE = 0.02;
  private static final int REFERENCE_SETTLE_SECONDS = 10;

  @Option(names = "--executors", description = "Members that join (default: ${DEFAULT-VALUE}).")
  int executors = 100;

  @Option(
      names = "--seconds",
      description = "Length of each measured window (default: ${DEFAULT-VALUE}).")
  int seconds = 60;

  // The JIT keeps compiling gRPC's and TLS's paths for minutes after the members arrive on 2
  // cores; a long-running orchestrator is past that, and so is what this window measures.
  @Option(
      names = "--warmup",
      description =
          "Seconds between the last join and the measured window, so that the joins and the JIT's"
              + " compiling are not counted (default: ${DEFAULT-VALUE}).")
  int warmup = 300;

  @Spec CommandSpec spec;

  /** The figures of the last run, for the smoke test. */
  Map<String, Object> lastReport;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (executors < 1 || seconds < 1 || warmup < 0) {
      err.println("meshwork bench-members: --executors and --seconds must be at least 1");
      return 2;
    }
    Path dir = Files.createTempDirectory("meshwork-bench-members");
    int base = MeshLayout.onFreePorts(0).base();
    String target = "127.0.0.1:" + base;
    Process core = startCore(dir, base);
    List<BenchJoiner> joiners = new ArrayList<>();
    Path caFile = dir.resolve("core").resolve(DevMesh.TLS_DIR).resolve("ca.pem");
    try {
      err.println("starting the orchestrator, ledger and receipt log (pid " + core.pid() + ")");
      awaitFile(caFile, core);
      Identity operator = Identity.loadOrCreate(dir.resolve("home").resolve("identity.key"));
      try (MeshClient client =
          MeshClient.connect(
              MeshClientOptions.newBuilder()
                  .orchestratorTarget(target)
                  .ledgerTarget("127.0.0.1:" + (base + 1))
                  .receiptTarget("127.0.0.1:" + (base + 2))
                  .identity(operator)
                  .caCertificate(caFile)
                  .build())) {
        awaitServing(client, core);
        // An idle process has nothing to compile: a short settling suffices for the reference.
        int settle = Math.min(warmup, REFERENCE_SETTLE_SECONDS);
        err.printf("reference: no member, %d s after %d s of settling%n", seconds, settle);
        Thread.sleep(settle * 1000L);
        double idle = cpuShare(core.pid());
        err.printf("joining %d members%n", executors);
        ManagedChannel joinChannel = joinChannel(base, caFile);
        try {
          for (int i = 0; i < executors; i++) {
            joiners.add(
                BenchJoiner.join(
                    target,
                    joinChannel,
                    caFile,
                    MeshLayout.freePort(),
                    dir.resolve("joiner-" + i)));
          }
        } finally {
          joinChannel.shutdownNow();
        }
        awaitLive(client, err);
        err.printf(
            "%d members live; measuring %d s after %d s of warm-up%n", executors, seconds, warmup);
        Thread.sleep(warmup * 1000L);
        double busy = cpuShare(core.pid());
        long live =
            client.members(false).stream()
                .filter(m -> m.state() == ExecutorMember.State.LIVE)
                .count();
        report(out, idle, busy, live);
      }
      return 0;
    } finally {
      joiners.forEach(BenchJoiner::close);
      core.destroy();
      if (!core.waitFor(30, TimeUnit.SECONDS)) {
        core.destroyForcibly();
      }
      deleteQuietly(dir);
    }
  }

  private void report(PrintWriter out, double idle, double busy, long live) {
    double cost = busy - idle;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("members", executors);
    r.put("members_live_at_end", live);
    r.put("window_seconds", seconds);
    r.put("core_share_without_members", idle);
    r.put("core_share_with_members", busy);
    r.put("membership_share_of_a_core", cost);
    r.put("goal_share_of_a_core", GOAL_SHARE);
    r.put("goal_met", cost < GOAL_SHARE);
    lastReport = r;
    if (MeshCli.from(spec).json()) {
      // Flat, of numbers and booleans only: written by hand, as the other benchmarks do.
      StringBuilder j = new StringBuilder("{");
      r.forEach(
          (k, v) ->
              j.append(j.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
      out.println(j.append('}'));
      return;
    }
    out.printf("orchestrator process CPU, share of one core, over %d s windows:%n", seconds);
    out.printf("  no member (reference)        %7.3f %%%n", idle * 100);
    out.printf("  %4d members heartbeating    %7.3f %%%n", executors, busy * 100);
    out.printf(
        "  membership (the difference)  %7.3f %%   goal: under %.0f %%, %s%n",
        cost * 100, GOAL_SHARE * 100, cost < GOAL_SHARE ? "met" : "NOT met");
    out.printf("  %d of %d members were live at the end of the window%n", live, executors);
  }

  /** The process's CPU time over the next window, as a share of one core. */
  private double cpuShare(long pid) throws IOException, InterruptedException {
    long ticks0 = cpuTicks(pid);
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long ticks1 = cpuTicks(pid);
    double wall = (System.nanoTime() - t0) / 1e9;
    return (ticks1 - ticks0) / (double) clockTicks() / wall;
  }

  /** utime + stime of {@code pid}, in clock ticks ({@code /proc/PID/stat}, fields 14 and 15). */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name may hold spaces; the fields after it are separated by single spaces.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long clockTicks() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    p.waitFor();
    return text.isEmpty() ? 100 : Long.parseLong(text);
  }

  private Process startCore(Path dir, int base) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Meshwork.class.getName());
    command.addAll(List.of("dev", "--executors", "0", "--port-base", Integer.toString(base)));
    command.addAll(List.of("--data-dir", dir.resolve("core").toString()));
    command.addAll(List.of("--home", dir.resolve("home").toString()));
    command.addAll(List.of("--set", "orchestrator.admission=open"));
    command.addAll(List.of("--set", "orchestrator.local-slots=0"));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("core.log").toFile())
        .start();
  }

  private static ManagedChannel joinChannel(int base, Path caFile) throws IOException {
    return NettyChannelBuilder.forAddress("127.0.0.1", base)
        .sslContext(GrpcSslContexts.forClient().trustManager(caFile.toFile()).build())
        .build();
  }

  private static void awaitFile(Path file, Process core) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(file)) {
      if (!core.isAlive() || System.nanoTime() > until) {
        throw new IllegalStateException("the orchestrator process did not start");
      }
      Thread.sleep(100);
    }
  }

  private static void awaitServing(MeshClient client, Process core) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      try {
        client.members(false);
        return;
      } catch (RuntimeException notYet) {
        if (!core.isAlive() || System.nanoTime() > until) {
          throw new IllegalStateException("the orchestrator did not serve: " + notYet.getMessage());
        }
        Thread.sleep(200);
      }
    }
  }

  private void awaitLive(MeshClient client, PrintWriter err) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      long live =
          client.members(false).stream()
              .filter(m -> m.state() == ExecutorMember.State.LIVE)
              .count();
      if (live >= executors) {
        return;
      }
      if (System.nanoTime() > until) {
        throw new IllegalStateException(
            "only " + live + " of " + executors + " members became live within 3 minutes");
      }
      Thread.sleep(250);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temporary folder: the system cleans it eventually.
    }
  }
}
