package io.meshwork.dist;

import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.cli.MeshCli;
import io.meshwork.identity.Identity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork dev}: runs the whole mesh in this process until interrupted, with the {@code
 * meshwork} CLI's own identity as its operator, so the operator commands ({@code meshwork
 * executors}, {@code join-token}, {@code executor drain}) work against it from this machine.
 */
@Command(
    name = "dev",
    description =
        "Run the whole mesh on this machine: orchestrator, ledger, receipt log and executors.")
final class DevCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      description = "Where the services keep their files (default: ${DEFAULT-VALUE}).")
  Path dataDir = MeshHome.dir().resolve("dev");

  @Option(
      names = "--port-base",
      description = "Orchestrator port; the others follow it (default: ${DEFAULT-VALUE}).")
  int portBase = 50051;

  @Option(
      names = "--executors",
      description = "How many executors to run (default: ${DEFAULT-VALUE}).")
  int executors = 2;

  @Option(
      names = "--host",
      description =
          "Open the mesh to other hosts at this address: executors elsewhere join it with"
              + " meshwork serve executor --join HOST:PORT (default: loopback only).")
  String host;

  @Option(
      names = "--set",
      description = "A setting for the services that read it, KEY=VALUE (repeatable).")
  Map<String, String> set = new java.util.LinkedHashMap<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    MeshCli cli = MeshCli.from(spec);
    boolean plaintext = cli.plaintext();
    if (plaintext) {
      System.err.println(
          "meshwork dev: --plaintext: INSECURE, the mesh runs without TLS; anyone on the path"
              + " reads tokens and payloads, and services are known by bearer tokens alone."
              + " For debugging only.");
    }
    Path identityFile = cli.home().orElse(MeshHome.dir()).resolve(MeshClientOptions.IDENTITY_FILE);
    String operator = operator(identityFile);
    Map<String, String> settings = settings(operator, plaintext);
    MeshLayout layout = new MeshLayout(portBase, executors);
    // The dashboard beside the admin port, where `meshwork dashboard` looks for it by default.
    settings.put("dashboard.port", Integer.toString(layout.dashboardPort()));
    settings.putAll(set);
    DevMesh mesh = DevMesh.start(dataDir, layout, settings, java.util.Optional.ofNullable(host));
    String shown = host == null ? "127.0.0.1" : host;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  mesh.close();
                  stopped.countDown();
                }));
    System.out.println("Meshwork development mesh (data in " + dataDir.toAbsolutePath() + ")");
    System.out.printf(
        "%-14s %-13s %-17s %-22s %s%n", "SERVICE", "ROLE", "gRPC", "ADMIN", "IDENTITY");
    for (DevMesh.Endpoint e : mesh.endpoints()) {
      System.out.printf(
          "%-14s %-13s %-17s http://127.0.0.1:%-5d %s%n",
          e.name(), e.role(), shown + ":" + e.grpcPort(), e.adminPort(), e.did());
    }
    if (host != null) {
      System.out.println(
          "Executors on other hosts join with: meshwork serve executor --join "
              + host
              + ":"
              + portBase
              + " --join-token TOKEN   (TOKEN from: meshwork join-token create)");
    }
    System.out.println(
        "Operator: " + operator + " (the meshwork CLI's identity, " + identityFile + ")");
    if (mesh.dashboardPort() > 0) {
      System.out.printf(
          "Dashboard: %s://%s:%d/dashboard/   (meshwork dashboard opens it signed in)%n",
          plaintext ? "http" : "https", shown, mesh.dashboardPort());
    }
    if (plaintext) {
      System.out.println(
          "Try: grpcurl -plaintext localhost:" + portBase + " list    (Ctrl-C stops the mesh)");
    } else {
      Path ca = mesh.caCertificate().orElseThrow().toAbsolutePath();
      System.out.println("TLS on every port; clients trust the mesh's CA in " + ca);
      System.out.println(
          "Try: grpcurl -cacert "
              + ca
              + " localhost:"
              + portBase
              + " list    (Ctrl-C stops the mesh)");
    }
    stopped.await();
    return 0;
  }

  /**
   * The settings {@code meshwork dev} adds to the mesh's own: {@code operator} in every service's
   * {@code auth.operators} (the orchestrator's is what the membership commands need; at the ledger
   * and the receipt log it is the development mesh's operator too), and no TLS with {@code
   * --plaintext}.
   */
  static Map<String, String> settings(String operator, boolean plaintext) {
    Map<String, String> settings = new HashMap<>();
    settings.put("auth.operators", operator);
    if (plaintext) {
      settings.put("tls.plaintext", "true");
    }
    return settings;
  }

  /**
   * The DID of the identity the CLI calls as, made now if the CLI has not made it yet, as its first
   * command would.
   */
  static String operator(Path identityFile) {
    try {
      return Identity.loadOrCreate(identityFile).did();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the identity in " + identityFile, e);
    }
  }
}
