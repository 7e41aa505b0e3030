package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.tls.CertificateAuthority;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A mesh of separate processes on loopback, as the deployment manifests run it: ledger, receipt
 * log, orchestrator, and executors that may be {@link MisbehavingExecutor}s, each serving TLS with
 * a certificate from the mesh's development CA and calling the others over mutual TLS. The
 * orchestrator can be killed with SIGKILL and started again on the same data, and may have
 * replicas: more orchestrator processes with the same key, each on ports and a data folder of its
 * own (with a shared journal and a Lease, as on Kubernetes, one of them leads).
 */
final class MeshProcesses implements AutoCloseable {
  private final Path dataDir;
  private final MeshLayout layout;
  private final List<String> executorBehaviours;
  private final Map<String, String> orchestratorSettings;
  private final String heap;
  private final Map<String, String> environment;
  private final Map<String, Identity> ids = new LinkedHashMap<>();
  private final Map<String, Process> processes = new LinkedHashMap<>();
  // Orchestrator replicas started beside "orchestrator": their gRPC and admin ports.
  private final Map<String, int[]> replicaPorts = new LinkedHashMap<>();
  // Services of their own keys started beside the mesh's (another orchestrator and its
  // executors): their gRPC and admin ports.
  private final Map<String, int[]> besidePorts = new LinkedHashMap<>();
  // Settings per service on top of the role lists, such as more DIDs the ledger must know.
  private final Map<String, Map<String, String>> serviceSettings;

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
    this(dataDir, executorBehaviours, orchestratorSettings, "512m");
  }

  /**
   * Starts the mesh as {@link #MeshProcesses(Path, List, Map)} does, each service's JVM with a heap
   * of at most {@code heap} ({@code -Xmx}).
   */
  MeshProcesses(
      Path dataDir,
      List<String> executorBehaviours,
      Map<String, String> orchestratorSettings,
      String heap)
      throws Exception {
    this(dataDir, executorBehaviours, orchestratorSettings, heap, Map.of());
  }

  /**
   * Starts the mesh as {@link #MeshProcesses(Path, List, Map, String)} does, with {@code
   * environment} added to every service's environment (such as the OTEL_* variables of tracing).
   */
  MeshProcesses(
      Path dataDir,
      List<String> executorBehaviours,
      Map<String, String> orchestratorSettings,
      String heap,
      Map<String, String> environment)
      throws Exception {
    this(dataDir, executorBehaviours, orchestratorSettings, heap, environment, Map.of(), List.of());
  }

  /**
   * A service with a key of its own started beside the mesh's (another orchestrator, its
   * executors): {@code mainClass} with {@code args} and the settings {@code settings} makes of the
   * mesh's ports (its role lists among them), on {@code grpcPort} and {@code adminPort}, with its
   * data in {@code dataDir/name} and its key in {@code dataDir/name/name.key}.
   */
  record Beside(
      String name,
      String mainClass,
      List<String> args,
      int grpcPort,
      int adminPort,
      java.util.function.Function<MeshLayout, Map<String, String>> settings) {}

  /**
   * Starts the mesh as {@link #MeshProcesses(Path, List, Map, String, Map)} does, service {@code
   * name} with {@code serviceSettings.get(name)} on top of its role lists (such as the ledger and
   * the receipt log knowing the services beside the mesh), and {@code beside} started with the
   * mesh's own services, all at once.
   */
  MeshProcesses(
      Path dataDir,
      List<String> executorBehaviours,
      Map<String, String> orchestratorSettings,
      String heap,
      Map<String, String> environment,
      Map<String, Map<String, String>> serviceSettings,
      List<Beside> beside)
      throws Exception {
    this.serviceSettings = serviceSettings;
    this.heap = heap;
    this.environment = environment;
    this.dataDir = dataDir;
    this.executorBehaviours = executorBehaviours;
    this.orchestratorSettings = orchestratorSettings;
    this.layout = MeshFixtures.freeLayout(executorBehaviours.size());
    for (String name : layout.services()) {
      ids.put(name, Identity.loadOrCreate(dataDir.resolve(name).resolve(name + ".key")));
    }
    // The mesh's development CA, made before any process starts: each service proves its key to
    // it at start and gets its certificate (tls.dev-ca).
    CertificateAuthority.loadOrCreate(caDir());
    try {
      start("ledger", Meshwork.class.getName(), List.of("serve", "ledger"), Map.of());
      start("receipts", Meshwork.class.getName(), List.of("serve", "receipts"), Map.of());
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
            MeshLayout.executor(i),
            MisbehavingExecutor.class.getName(),
            List.of(spec[0]),
            settings);
      }
      startOrchestrator();
      for (Beside b : beside) {
        besidePorts.put(b.name(), new int[] {b.grpcPort(), b.adminPort()});
        start(b.name(), b.mainClass(), b.args(), b.settings().apply(layout));
      }
      for (String name : layout.services()) {
        MeshFixtures.awaitServing(
            layout.grpcPort(name), caDir(), java.time.Duration.ofSeconds(180), null);
      }
      for (Beside b : beside) {
        MeshFixtures.awaitServing(
            b.grpcPort(), caDir(), java.time.Duration.ofSeconds(180), processes.get(b.name()));
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

  /**
   * The command that runs {@code meshwork} as bin/meshwork does, in a JVM of its own with a heap of
   * {@code heap} (such as "64m"), against this mesh as the user of {@code home}; the caller adds
   * the command's arguments.
   */
  List<String> cli(Path home, String heap) {
    List<String> command = TestJvm.java(heap);
    command.add(Meshwork.class.getName());
    command.addAll(List.of("--home", home.toString()));
    command.addAll(List.of("--orchestrator", layout.target("orchestrator")));
    command.addAll(List.of("--ledger", layout.target("ledger")));
    command.addAll(List.of("--cacert", caCertificate().toString()));
    return command;
  }

  /** Starts (or restarts) the orchestrator on its data directory. */
  void startOrchestrator() throws Exception {
    startOrchestrator("orchestrator", Map.of());
  }

  /**
   * Starts a replica of the orchestrator named {@code name}: the orchestrator's key and settings,
   * then {@code extra}, on ports and a data folder of its own.
   */
  void startOrchestratorReplica(String name, Map<String, String> extra) throws Exception {
    replicaPorts.computeIfAbsent(
        name, n -> new int[] {MeshFixtures.freePort(), MeshFixtures.freePort()});
    startOrchestrator(name, extra);
  }

  private void startOrchestrator(String name, Map<String, String> extra) throws Exception {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("orchestrator.executors", String.join(",", layout.executorTargets()));
    settings.put("orchestrator.ledger", layout.target("ledger"));
    settings.put("orchestrator.receipts", layout.target("receipts"));
    // Bids collected for up to 3 s rather than 1: these meshes share two cores with the build.
    settings.put("rfc0016.t2-ms", "3000");
    settings.putAll(orchestratorSettings);
    settings.putAll(extra);
    start(name, Meshwork.class.getName(), List.of("serve", "orchestrator"), settings);
  }

  /** Starts service {@code b} beside the mesh again, on its data, and waits until it serves. */
  void restartBeside(Beside b) throws Exception {
    besidePorts.put(b.name(), new int[] {b.grpcPort(), b.adminPort()});
    start(b.name(), b.mainClass(), b.args(), b.settings().apply(layout));
    MeshFixtures.awaitServing(
        b.grpcPort(), caDir(), java.time.Duration.ofSeconds(180), processes.get(b.name()));
  }

  /** Waits until the orchestrator serves again after a restart. */
  void awaitOrchestrator() throws InterruptedException {
    MeshFixtures.awaitServing(
        layout.grpcPort("orchestrator"),
        caDir(),
        java.time.Duration.ofSeconds(180),
        processes.get("orchestrator"));
  }

  /**
   * Starts the ledger or the receipt log again on its data after {@link #kill}, on the same port,
   * and waits until it serves.
   */
  void restart(String name) throws Exception {
    start(name, Meshwork.class.getName(), List.of("serve", name), Map.of());
    MeshFixtures.awaitServing(
        layout.grpcPort(name), caDir(), java.time.Duration.ofSeconds(180), processes.get(name));
  }

  /** Kills the orchestrator as {@code kill -9} does, and waits for it to be gone. */
  void killOrchestrator() throws InterruptedException {
    kill("orchestrator");
  }

  /** Kills process {@code name} as {@code kill -9} does, and waits for it to be gone. */
  void kill(String name) throws InterruptedException {
    Process p = processes.remove(name);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** Sends process {@code name} a signal, such as {@code STOP} or {@code CONT}. */
  void signal(String name, String signal) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(processes.get(name).pid()))
            .inheritIO()
            .start();
    assertEquals(0, kill.waitFor(), "kill -" + signal + " " + name);
  }

  /** The process of service {@code name}, for its exit status. */
  Process process(String name) {
    return processes.get(name);
  }

  /** The gRPC port of service {@code name} (an orchestrator replica included). */
  int grpcPort(String name) {
    int[] ports = replicaPorts.getOrDefault(name, besidePorts.get(name));
    return ports != null ? ports[0] : layout.grpcPort(name);
  }

  private int adminPort(String name) {
    int[] ports = replicaPorts.getOrDefault(name, besidePorts.get(name));
    return ports != null ? ports[1] : layout.adminPort(name);
  }

  /** Whether the named service's process is alive. */
  boolean alive(String name) {
    Process p = processes.get(name);
    return p != null && p.isAlive();
  }

  /** The DID of executor {@code n} (from 1). */
  String executorDid(int n) {
    return ids.get(MeshLayout.executor(n)).did();
  }

  /** The orchestrator's DID, which names its requests to the ledger. */
  String orchestratorDid() {
    return ids.get("orchestrator").did();
  }

  /** The key service {@code name} runs with, for test code that speaks as that party. */
  Identity identity(String name) {
    return ids.get(name);
  }

  /**
   * A channel to service {@code name}, opened as any client of the mesh opens one: over TLS,
   * trusting the mesh's CA, presenting no certificate (callers identify with tokens).
   */
  ManagedChannel channel(String name) {
    return MeshFixtures.userChannel(layout.grpcPort(name), caDir());
  }

  /**
   * A channel to service {@code name} on which {@code party} presents a certificate the mesh's CA
   * issued for its key, as the mesh's services call each other: the call is that party, with the
   * roles the service's lists give it.
   */
  ManagedChannel partyChannel(String name, Identity party) {
    return MeshFixtures.partyChannel(layout.grpcPort(name), caDir(), party);
  }

  /** The ports the services listen on. */
  MeshLayout layout() {
    return layout;
  }

  /** What executor {@code n} (from 1) reports of its slots, running and queued tasks. */
  GetCapacityResponse executorCapacity(int n) {
    ManagedChannel channel =
        MeshFixtures.partyChannel(
            layout.grpcPort(MeshLayout.executor(n)), caDir(), ids.get("orchestrator"));
    try {
      return ExecutorServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getCapacity(GetCapacityRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
    }
  }

  /** The posted balance of executor {@code n} (from 1), read by the executor itself. */
  long executorBalance(int n) {
    return MeshFixtures.balance(
        layout.grpcPort("ledger"), caDir(), ids.get(MeshLayout.executor(n)));
  }

  /** What a submitter and each executor held at one moment: element n is executor n's. */
  record Balances(long submitter, long[] executors) {}

  /** The balances of {@code submitter} and of every executor now, for {@link #assertSettled}. */
  Balances balances(MeshClient submitter) {
    long[] executors = new long[executorBehaviours.size() + 1];
    for (int n = 1; n <= executorBehaviours.size(); n++) {
      executors[n] = executorBalance(n);
    }
    return new Balances(submitter.balance().getBalance(), executors);
  }

  /**
   * Asserts that the job behind {@code result}, with {@code budget} held for it, was settled to the
   * unit since {@code before}: it spent what its receipts paid and returned the rest of the budget,
   * the submitter paid exactly that and has nothing left held, and the executors together gained
   * exactly that.
   */
  void assertSettled(MeshClient submitter, Balances before, JobResult result, long budget) {
    ComputeJobStatus status = result.status();
    long paid = result.receipts().stream().mapToLong(ReceiptRef::getPrice).sum();
    assertEquals(paid, status.getManaSpent());
    assertEquals(budget, status.getManaSpent() + status.getManaRefunded());
    assertEquals(
        before.submitter() - paid,
        submitter.balance().getBalance(),
        "the submitter paid what was earned");
    assertEquals(0, submitter.balance().getHeld(), "nothing stays held");
    long gained = 0;
    for (int n = 1; n <= executorBehaviours.size(); n++) {
      gained += executorBalance(n) - before.executors()[n];
    }
    assertEquals(paid, gained, "the executors gained exactly what the submitter paid");
  }

  /** A client for {@code user} against this mesh. */
  MeshClient client(Identity user) {
    return MeshFixtures.client(layout, caCertificate(), user);
  }

  /** A client for {@code user} whose orchestrator is {@code orchestrator}, a replica perhaps. */
  MeshClient client(Identity user, String orchestrator) {
    return MeshClient.connect(
        MeshClientOptions.newBuilder()
            .orchestratorTarget("127.0.0.1:" + grpcPort(orchestrator))
            .ledgerTarget(layout.target("ledger"))
            .receiptTarget(layout.target("receipts"))
            .identity(user)
            .caCertificate(caCertificate())
            .build());
  }

  /** The folder of the mesh's development CA. */
  Path caDir() {
    return MeshFixtures.caDir(dataDir);
  }

  /** The CA certificate the mesh's clients trust. */
  Path caCertificate() {
    return caDir().resolve(CertificateAuthority.CERTIFICATE_FILE);
  }

  private void start(String name, String mainClass, List<String> args, Map<String, String> extra)
      throws IOException {
    List<String> command = TestJvm.java(heap);
    // A service that runs out of heap stops at once, saying so in its log, rather than limping.
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add(mainClass);
    command.addAll(args);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("grpc.port", Integer.toString(grpcPort(name)));
    settings.put("admin.port", Integer.toString(adminPort(name)));
    settings.put("data-dir", dataDir.resolve(name).toString());
    // Replicas of the orchestrator are the same orchestrator: one key.
    String keyOf = replicaPorts.containsKey(name) ? "orchestrator" : name;
    settings.put("identity.file", dataDir.resolve(keyOf).resolve(keyOf + ".key").toString());
    settings.putAll(roleLists(name));
    settings.putAll(serviceSettings.getOrDefault(name, Map.of()));
    settings.put("mesh.dev-mode", "true");
    settings.put("tls.dev-ca", caDir().toString());
    settings.putAll(extra);
    settings.forEach(
        (k, v) -> {
          command.add("--set");
          command.add(k + "=" + v);
        });
    File log = dataDir.resolve(name + ".log").toFile();
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    builder.environment().putAll(environment);
    processes.put(name, builder.start());
  }

  /**
   * The role lists service {@code name} reads (docs/AUTH.md), and only those, since a process
   * refuses a key it does not declare: the ledger and the executors know the orchestrator, the
   * receipt log knows it and the executors, the orchestrator knows the executors.
   */
  private Map<String, String> roleLists(String name) {
    String orchestrator = ids.get("orchestrator").did();
    String executors =
        String.join(",", layout.executorNames().stream().map(n -> ids.get(n).did()).toList());
    if (replicaPorts.containsKey(name)) {
      return Map.of("auth.executors", executors);
    }
    if (besidePorts.containsKey(name)) {
      // A service beside the mesh brings its own lists.
      return Map.of();
    }
    return switch (name) {
      case "ledger" -> Map.of("auth.orchestrators", orchestrator);
      case "receipts" -> Map.of("auth.orchestrators", orchestrator, "auth.executors", executors);
      case "orchestrator" -> Map.of("auth.executors", executors);
      default -> Map.of("auth.orchestrators", orchestrator);
    };
  }

  /** The log a service wrote, for assertion messages. */
  Path log(String name) {
    return dataDir.resolve(name + ".log");
  }

  @Override
  public void close() {
    for (Process p : processes.values()) {
      // A stopped process would not act on the SIGTERM below until continued.
      try {
        new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
      } catch (IOException e) {
        // Then the forcible kill below ends it.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
