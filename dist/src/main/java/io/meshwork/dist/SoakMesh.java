package io.meshwork.dist;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The mesh a soak drives: the development mesh in a process of its own ({@code meshwork dev} in a
 * temporary folder, which closing stops and deletes), or one already running. The soak samples the
 * service processes, and a mesh in the soak's own JVM would mix the load generator's heap and
 * threads into theirs; so unlike the other benchmarks, the mesh started here is a child process.
 */
final class SoakMesh implements AutoCloseable {
  private static final long START_MINUTES = 3;

  private final MeshBench.Target target;
  private final List<ProcessSampler> samplers;
  private final Process process;
  private final Path dir;

  private SoakMesh(
      MeshBench.Target target, List<ProcessSampler> samplers, Process process, Path dir) {
    this.target = target;
    this.samplers = samplers;
    this.process = process;
    this.dir = dir;
  }

  /**
   * Starts {@code meshwork dev} with {@code executors} executors and {@code settings} in a new
   * temporary folder, with a grant large enough that no client runs out of mana, and waits until
   * its orchestrator, ledger and receipt log serve.
   */
  static SoakMesh start(
      int executors, boolean plaintext, Map<String, String> settings, PrintWriter progress)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("meshwork-soak");
    MeshLayout layout = MeshLayout.onFreePorts(executors);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Meshwork.class.getName());
    command.addAll(List.of("dev", "--executors", Integer.toString(executors)));
    command.addAll(List.of("--port-base", Integer.toString(layout.base())));
    command.addAll(List.of("--data-dir", dir.resolve("mesh").toString()));
    command.addAll(List.of("--home", dir.resolve("home").toString()));
    command.addAll(List.of("--set", "ledger.dev-grant=1000000000000"));
    if (plaintext) {
      command.addAll(List.of("--set", "tls.plaintext=true"));
    }
    if (!settings.containsKey("shutdown.grace")) {
      // The soak's own jobs are over when it stops the mesh: nothing to wait for.
      command.addAll(List.of("--set", "shutdown.grace=1000"));
    }
    settings.forEach((k, v) -> command.addAll(List.of("--set", k + "=" + v)));
    Path log = dir.resolve("mesh.log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Optional<Path> ca =
        plaintext
            ? Optional.empty()
            : Optional.of(dir.resolve("mesh").resolve(DevMesh.TLS_DIR).resolve("ca.pem"));
    MeshBench.Target target =
        new MeshBench.Target(layout.target("orchestrator"), layout.target("ledger"), ca, plaintext);
    SoakMesh mesh =
        new SoakMesh(
            target,
            List.of(
                new ProcessSampler(
                    "mesh (pid " + process.pid() + ")",
                    "127.0.0.1:" + layout.adminPort("orchestrator"),
                    java.util.OptionalLong.of(process.pid()))),
            process,
            dir);
    try {
      progress.printf(
          "Starting the development mesh (pid %d, %d executors) in %s%n",
          process.pid(), executors, dir);
      progress.flush();
      long t0 = System.nanoTime();
      for (String service : List.of("orchestrator", "ledger", "receipts")) {
        mesh.awaitServing(layout.target(service), ca, plaintext, log);
      }
      progress.printf("The mesh serves after %.1f s%n", (System.nanoTime() - t0) / 1e9);
      return mesh;
    } catch (IOException | InterruptedException | RuntimeException e) {
      mesh.close();
      throw e;
    }
  }

  /**
   * A mesh already running at {@code orchestrator}, whose processes' admin ports are {@code admins}
   * ({@code host:port}).
   */
  static SoakMesh running(MeshBench.Target target, List<String> admins) {
    List<ProcessSampler> samplers = new ArrayList<>();
    for (String admin : admins) {
      samplers.add(new ProcessSampler(admin, admin, java.util.OptionalLong.empty()));
    }
    return new SoakMesh(target, List.copyOf(samplers), null, null);
  }

  MeshBench.Target target() {
    return target;
  }

  /** The service processes the soak samples, one sampler each. */
  List<ProcessSampler> samplers() {
    return samplers;
  }

  private void awaitServing(String service, Optional<Path> ca, boolean plaintext, Path log)
      throws IOException, InterruptedException {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(START_MINUTES);
    while (!plaintext && !Files.exists(ca.orElseThrow())) {
      notDead(until, log, "no CA certificate yet");
      Thread.sleep(100);
    }
    ManagedChannel channel = ClientChannels.open(service, ca, plaintext);
    try {
      while (true) {
        String why;
        try {
          HealthCheckResponse.ServingStatus status =
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus();
          if (status == HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
          why = service + " is " + status;
        } catch (RuntimeException e) {
          why = service + ": " + e.getMessage();
        }
        notDead(until, log, why);
        Thread.sleep(200);
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private void notDead(long until, Path log, String why) throws IOException {
    if (!process.isAlive() || System.nanoTime() > until) {
      List<String> lines = Files.readAllLines(log);
      String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
      throw new IllegalStateException(
          "the development mesh did not start ("
              + (process.isAlive() ? "still starting after 3 minutes" : "it exited")
              + "; "
              + why
              + "); its last lines:\n"
              + tail);
    }
  }

  /** Stops the mesh started here and deletes its folder; leaves a running mesh alone. */
  @Override
  public void close() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    BenchMesh.deleteTree(dir);
  }
}
