package io.meshwork.dist;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A mesh of separate processes on loopback, as the deployment manifests run it: ledger, receipt
 * log, orchestrator, and executors that may be {@link MisbehavingExecutor}s. The orchestrator can
 * be killed with SIGKILL and started again on the same data.
 */
final class MeshProcesses implements AutoCloseable {
  private final Path dataDir;
  private final int base;
  private final List<String> executorBehaviours;
  private final Map<String, String> orchestratorSettings;
  private final Map<String, Identity> ids = new LinkedHashMap<>();
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final String dids;

  /**
   * Starts the mesh and waits until every service serves.
   *
   * @param executorBehaviours one entry per executor: MisbehavingExecutor behaviours and then
   *     executor settings, e.g. {@code "honest"} or {@code "liar,cheap executor.price.base=5"}
   * @param orchestratorSettings extra orchestrator settings
   */
  MeshProcesses(
      Path dataDir, List<String> executorBehaviours, Map<String, String> orchestratorSettings)
      throws Exception {
    this.dataDir = dataDir;
    this.executorBehaviours = executorBehaviours;
    this.orchestratorSettings = orchestratorSettings;
    this.base = MeshFixtures.freePortBlock(3 + executorBehaviours.size());
    List<String> names = new ArrayList<>(List.of("orchestrator", "ledger", "receipts"));
    for (int i = 1; i <= executorBehaviours.size(); i++) {
      names.add("executor-" + i);
    }
    for (String name : names) {
      ids.put(name, Identity.loadOrCreate(dataDir.resolve(name).resolve(name + ".key")));
    }
    this.dids = String.join(",", ids.values().stream().map(Identity::did).toList());
    try {
      start("ledger", base + 1, Meshwork.class.getName(), List.of("serve", "ledger"), Map.of());
      start("receipts", base + 2, Meshwork.class.getName(), List.of("serve", "receipts"), Map.of());
      for (int i = 1; i <= executorBehaviours.size(); i++) {
        // "behaviours key=value ...": MisbehavingExecutor's behaviours, then executor settings.
        String[] spec = executorBehaviours.get(i - 1).trim().split("\\s+");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("executor.task-slots", "2");
        for (int k = 1; k < spec.length; k++) {
          String[] kv = spec[k].split("=", 2);
          settings.put(kv[0], kv[1]);
        }
        start(
            "executor-" + i,
            base + 2 + i,
            MisbehavingExecutor.class.getName(),
            List.of(spec[0]),
            settings);
      }
      startOrchestrator();
      for (int port = base; port < base + 3 + executorBehaviours.size(); port++) {
        MeshFixtures.awaitServing(port, java.time.Duration.ofSeconds(180), null);
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /**
   * Orchestrator settings that keep its liveness timeouts from firing on a loaded 2-core machine: a
   * 3 s bid window (T2), 10 rebroadcasts while no executor has room, and executor probes every 1.5
   * s (the defaults, 1 s, 3 and 0.5 s, take a JVM paused by a busy machine for a dead one); then
   * {@code extra} as key, value, key, value.
   */
  static Map<String, String> tolerantTimings(String... extra) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("rfc0016.t2-ms", "3000");
    s.put("rfc0016.n1", "10");
    s.put("orchestrator.probe-interval-ms", "1500");
    for (int i = 0; i + 1 < extra.length; i += 2) {
      s.put(extra[i], extra[i + 1]);
    }
    return s;
  }

  /** Starts (or restarts) the orchestrator on its data directory. */
  void startOrchestrator() throws Exception {
    Map<String, String> settings = new LinkedHashMap<>();
    List<String> executors = new ArrayList<>();
    for (int i = 1; i <= executorBehaviours.size(); i++) {
      executors.add("127.0.0.1:" + (base + 2 + i));
    }
    settings.put("orchestrator.executors", String.join(",", executors));
    settings.put("orchestrator.ledger", "127.0.0.1:" + (base + 1));
    settings.put("orchestrator.receipts", "127.0.0.1:" + (base + 2));
    // Bids collected for up to 3 s rather than 1: these meshes share two cores with the build.
    settings.put("rfc0016.t2-ms", "3000");
    settings.putAll(orchestratorSettings);
    start(
        "orchestrator", base, Meshwork.class.getName(), List.of("serve", "orchestrator"), settings);
  }

  /** Waits until the orchestrator serves again after a restart. */
  void awaitOrchestrator() throws InterruptedException {
    MeshFixtures.awaitServing(
        base, java.time.Duration.ofSeconds(180), processes.get("orchestrator"));
  }

  /** Kills the orchestrator as {@code kill -9} does, and waits for it to be gone. */
  void killOrchestrator() throws InterruptedException {
    Process p = processes.remove("orchestrator");
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** Whether the named service's process is alive. */
  boolean alive(String name) {
    Process p = processes.get(name);
    return p != null && p.isAlive();
  }

  /** The identity of a service: orchestrator, ledger, receipts, executor-N. */
  Identity identity(String name) {
    return ids.get(name);
  }

  /** The DID of executor {@code n} (from 1). */
  String executorDid(int n) {
    return ids.get("executor-" + n).did();
  }

  /** The gRPC port of executor {@code n} (from 1); its admin port is 1000 above. */
  int executorPort(int n) {
    return base + 2 + n;
  }

  /** What executor {@code n} (from 1) reports of its slots, running and queued tasks. */
  GetCapacityResponse executorCapacity(int n) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", executorPort(n)).usePlaintext().build();
    try {
      return ExecutorServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(new BearerCredentials(ids.get("orchestrator")))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getCapacity(GetCapacityRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
    }
  }

  /** The executors' posted balances, read as the orchestrator: element n is executor n's. */
  long[] executorBalances() {
    long[] balances = new long[executorBehaviours.size() + 1];
    for (int n = 1; n <= executorBehaviours.size(); n++) {
      balances[n] = MeshFixtures.balance(ledgerPort(), ids.get("orchestrator"), executorDid(n));
    }
    return balances;
  }

  /** What the executors gained together since {@link #executorBalances} returned {@code before}. */
  long executorsGainedSince(long[] before) {
    long[] now = executorBalances();
    long gained = 0;
    for (int n = 1; n < now.length; n++) {
      gained += now[n] - before[n];
    }
    return gained;
  }

  int ledgerPort() {
    return base + 1;
  }

  int receiptPort() {
    return base + 2;
  }

  /** A client for {@code user} against this mesh. */
  MeshClient client(Identity user) {
    return MeshClient.connect(
        MeshClientOptions.newBuilder()
            .orchestratorTarget("127.0.0.1:" + base)
            .ledgerTarget("127.0.0.1:" + (base + 1))
            .receiptTarget("127.0.0.1:" + (base + 2))
            .identity(user)
            .build());
  }

  /** The global options that point the command line at this mesh. */
  List<String> cliTargets() {
    return List.of(
        "--orchestrator",
        "127.0.0.1:" + base,
        "--ledger",
        "127.0.0.1:" + (base + 1),
        "--receipt-log",
        "127.0.0.1:" + (base + 2));
  }

  private void start(
      String name, int port, String mainClass, List<String> args, Map<String, String> extra)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("grpc.port", Integer.toString(port));
    settings.put("admin.port", Integer.toString(port + 1000));
    settings.put("data-dir", dataDir.resolve(name).toString());
    settings.put("identity.file", dataDir.resolve(name).resolve(name + ".key").toString());
    settings.put("auth.service-dids", dids);
    settings.put("mesh.dev-mode", "true");
    settings.putAll(extra);
    settings.forEach(
        (k, v) -> {
          command.add("--set");
          command.add(k + "=" + v);
        });
    File log = dataDir.resolve(name + ".log").toFile();
    processes.put(
        name,
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .start());
  }

  /** The log a service wrote, for assertion messages. */
  Path log(String name) {
    return dataDir.resolve(name + ".log");
  }

  @Override
  public void close() {
    for (Process p : processes.values()) {
      p.destroy();
    }
    for (Process p : processes.values()) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    processes.clear();
    // Keep the services' logs past the temporary directory, for whoever reads a failure.
    try {
      Path keep =
          Path.of("target", "mesh-logs", dataDir.getFileName() + "-" + System.currentTimeMillis());
      java.nio.file.Files.createDirectories(keep);
      try (var logs = java.nio.file.Files.list(dataDir)) {
        for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
          java.nio.file.Files.copy(log, keep.resolve(log.getFileName()));
        }
      }
    } catch (IOException e) {
      // Logs are a convenience; the test's outcome stands.
    }
  }
}
