package io.meshwork.dist;

import io.meshwork.client.ExecutorMember;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.tls.CertificateAuthority;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A mesh whose executors join it: the core (orchestrator, ledger, receipt log) is one {@code
 * meshwork dev --executors 0} process, and each executor is a {@code meshwork serve executor
 * --join} process of its own, as an operator on another host would start it. Either may run in a
 * network namespace ({@code ip netns exec}), so that the processes talk over real addresses of
 * their own. The test calls as the core's operator (the identity {@code meshwork dev} makes its
 * operator).
 */
final class JoiningMesh implements AutoCloseable {
  final Path dataDir;
  final String host;
  final int base;
  private final Path home;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final List<MeshClient> clients = new ArrayList<>();

  /**
   * Starts the core at {@code host} (its address as executors and the test reach it), in network
   * namespace {@code namespace} if given, with {@code settings} for its services.
   */
  JoiningMesh(Path dataDir, String host, Optional<String> namespace, Map<String, String> settings)
      throws Exception {
    this.dataDir = dataDir;
    this.host = host;
    this.home = dataDir.resolve("home");
    this.base = MeshFixtures.freeLayout(0).base();
    List<String> args = new ArrayList<>(List.of("dev", "--executors", "0"));
    args.addAll(List.of("--port-base", Integer.toString(base)));
    args.addAll(List.of("--data-dir", dataDir.resolve("core").toString()));
    args.addAll(List.of("--home", home.toString()));
    if (namespace.isPresent() || !host.equals("127.0.0.1")) {
      args.addAll(List.of("--host", host));
    }
    settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    Process core = start("core", namespace, args);
    try {
      awaitServing(base, core);
      awaitServing(base + 1, core);
      awaitServing(base + 2, core);
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** The development CA's certificate, which executors and clients trust. */
  Path caCertificate() {
    return dataDir
        .resolve("core")
        .resolve(DevMesh.TLS_DIR)
        .resolve(CertificateAuthority.CERTIFICATE_FILE);
  }

  /** The operator's client: members, join tokens, jobs. */
  MeshClient operator() throws IOException {
    return client(Identity.loadOrCreate(home.resolve(MeshClientOptions.IDENTITY_FILE)));
  }

  /** A client for {@code user}. */
  MeshClient client(Identity user) {
    MeshClient c =
        MeshClient.connect(
            MeshClientOptions.newBuilder()
                .orchestratorTarget(host + ":" + base)
                .ledgerTarget(host + ":" + (base + 1))
                .receiptTarget(host + ":" + (base + 2))
                .identity(user)
                .caCertificate(caCertificate())
                .build());
    clients.add(c);
    return c;
  }

  /** The identity executor {@code name} runs with (made now if it is not yet). */
  Identity identity(String name) throws IOException {
    return Identity.loadOrCreate(dataDir.resolve(name).resolve(name + ".key"));
  }

  /**
   * Starts executor {@code name} joining the core with {@code token}, listening at {@code ownHost}
   * (in {@code namespace} if given), with {@code extra} executor settings.
   */
  Process executor(
      String name,
      String token,
      Optional<String> namespace,
      String ownHost,
      Map<String, String> extra)
      throws IOException {
    identity(name);
    int port = MeshFixtures.freePort();
    Map<String, String> s = new LinkedHashMap<>();
    s.put("data-dir", dataDir.resolve(name).toString());
    s.put("identity.file", dataDir.resolve(name).resolve(name + ".key").toString());
    s.put("grpc.host", ownHost);
    s.put("grpc.port", Integer.toString(port));
    s.put("admin.port", "-1");
    s.put("tls.ca", caCertificate().toString());
    s.put("executor.task-slots", "1");
    s.putAll(extra);
    List<String> args = new ArrayList<>(List.of("serve", "executor"));
    args.addAll(List.of("--join", host + ":" + base));
    args.addAll(List.of("--join-token", token));
    args.addAll(List.of("--advertise", ownHost + ":" + port));
    s.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    return start(name, namespace, args);
  }

  /** Whether {@code name}'s process still runs. */
  boolean alive(String name) {
    return processes.get(name).isAlive();
  }

  /** Sends {@code signal} (STOP, CONT, TERM) to {@code name}'s process. */
  void signal(String name, String signal) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(processes.get(name).pid()))
            .inheritIO()
            .start();
    if (kill.waitFor() != 0) {
      throw new AssertionError("kill -" + signal + " " + name + " failed");
    }
  }

  /** The member with {@code did} as the orchestrator lists it, if it does. */
  static Optional<ExecutorMember> member(MeshClient operator, String did) {
    return operator.members(true).stream().filter(m -> m.did().equals(did)).findFirst();
  }

  /** Waits until {@code condition} holds, failing with {@code what} after {@code limit}. */
  static void await(BooleanSupplier condition, Duration limit, String what)
      throws InterruptedException {
    long until = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("waited " + limit.toSeconds() + " s in vain until " + what);
      }
      Thread.sleep(50);
    }
  }

  /** What process {@code name} wrote, for assertion messages. */
  String log(String name) {
    try {
      return Files.readString(dataDir.resolve(name + ".log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void awaitServing(int port, Process core) throws InterruptedException {
    // Through the core's public address: in a namespace, loopback is the namespace's own.
    long until = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (!Files.exists(caCertificate())) {
      if (!core.isAlive() || System.nanoTime() > until) {
        throw new AssertionError("the core did not start:\n" + log("core"));
      }
      Thread.sleep(100);
    }
    MeshFixtures.awaitServing(
        host, port, caCertificate().getParent(), Duration.ofSeconds(180), core);
  }

  private Process start(String name, Optional<String> namespace, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    namespace.ifPresent(ns -> command.addAll(List.of("ip", "netns", "exec", ns)));
    command.addAll(TestJvm.java("256m"));
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add(Meshwork.class.getName());
    command.addAll(args);
    Files.createDirectories(dataDir);
    File log = dataDir.resolve(name + ".log").toFile();
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .start();
    processes.put(name, p);
    return p;
  }

  @Override
  public void close() {
    clients.forEach(MeshClient::close);
    for (Process p : processes.values()) {
      // A stopped process would not see SIGTERM.
      try {
        new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
      } catch (IOException | InterruptedException ignored) {
        // It is killed below either way.
      }
      p.destroy();
    }
    for (Process p : processes.values()) {
      try {
        if (!p.waitFor(40, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    // Keep the processes' logs past the temporary directory, for whoever reads a failure.
    try {
      Path keep = Path.of("target", "mesh-logs", "joining-" + System.currentTimeMillis());
      Files.createDirectories(keep);
      try (var logs = Files.list(dataDir)) {
        for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
          Files.copy(log, keep.resolve(log.getFileName()));
        }
      }
    } catch (IOException e) {
      // Logs are a convenience; the test's outcome stands.
    }
  }
}
