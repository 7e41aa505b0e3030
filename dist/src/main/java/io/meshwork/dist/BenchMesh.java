package io.meshwork.dist;

import io.meshwork.client.MeshClientOptions;
import io.meshwork.identity.Identity;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * The mesh a benchmark command drives: the development mesh, started in this JVM in a temporary
 * folder that closing stops and deletes, or a mesh already running elsewhere, which closing leaves
 * alone. {@code meshwork bench} and {@code meshwork bench-data} share it.
 */
final class BenchMesh implements AutoCloseable {
  /** Which mesh a benchmark command drives: its options, shared by both commands. */
  static final class Options {
    @Option(
        names = "--target",
        description =
            "Orchestrator (host:port) of a running mesh to drive; by default a development mesh"
                + " is started here in a temporary folder.")
    String target;

    @Option(
        names = "--ledger-target",
        description = "Ledger of the running mesh (default: the --target port + 1).")
    String ledgerTarget;

    @Option(
        names = "--executors",
        description = "Executors of the mesh started here (default: ${DEFAULT-VALUE}).")
    int executors = 2;

    @Option(
        names = "--port-base",
        description = "Orchestrator port of the mesh started here (default: free ports).")
    int portBase = 0;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description =
            "A setting of the mesh started here (docs/CONFIGURATION.md), for instance"
                + " orchestrator.inline-chunk-bytes=4194304; repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    /**
     * The mesh these options name: started here with the {@code --set} settings, or the running one
     * at {@code --target}, trusting {@code caCertificate} (null: the CA the SDK finds).
     */
    BenchMesh open(boolean plaintext, Path caCertificate, PrintWriter progress) {
      if (target != null && !settings.isEmpty()) {
        throw new IllegalArgumentException(
            "--set configures the mesh started here; a running mesh (--target) keeps its own");
      }
      return target == null
          ? start(executors, portBase, plaintext, settings, progress)
          : running(target, ledgerTarget, caCertificate, plaintext, progress);
    }
  }

  private final MeshBench.Target target;
  private final DevMesh mesh;
  private final Path dataDir;

  private BenchMesh(MeshBench.Target target, DevMesh mesh, Path dataDir) {
    this.target = target;
    this.mesh = mesh;
    this.dataDir = dataDir;
  }

  /**
   * Starts the development mesh in a new temporary folder, with a grant large enough that no run is
   * cut short by its clients' mana, plus {@code settings}.
   *
   * @param portBase the orchestrator's port, or 0 for free ports
   */
  static BenchMesh start(
      int executors,
      int portBase,
      boolean plaintext,
      Map<String, String> settings,
      PrintWriter progress) {
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("meshwork-bench");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary folder for the mesh", e);
    }
    MeshLayout layout =
        portBase != 0 ? new MeshLayout(portBase, executors) : MeshLayout.onFreePorts(executors);
    Map<String, String> all = new HashMap<>();
    all.put("ledger.dev-grant", "1000000000000");
    if (plaintext) {
      all.put("tls.plaintext", "true");
    }
    all.putAll(settings);
    DevMesh mesh;
    try {
      mesh = DevMesh.start(dataDir, layout, all);
    } catch (RuntimeException e) {
      deleteTree(dataDir);
      throw e;
    }
    progress.printf(
        "Started the development mesh in %s: orchestrator %s, %d executors%n",
        dataDir, layout.target("orchestrator"), executors);
    progress.flush();
    return new BenchMesh(
        new MeshBench.Target(
            layout.target("orchestrator"),
            layout.target("ledger"),
            mesh.caCertificate(),
            plaintext),
        mesh,
        dataDir);
  }

  /**
   * A mesh already running at {@code orchestrator}, its ledger at {@code ledger} (when null, the
   * orchestrator's port + 1), trusting {@code caCertificate} or, when null, the CA the SDK finds
   * for these targets (a development mesh's on this machine).
   */
  static BenchMesh running(
      String orchestrator,
      String ledger,
      Path caCertificate,
      boolean plaintext,
      PrintWriter progress) {
    String ledgerTarget = ledger != null ? ledger : MeshLayout.ledgerBeside(orchestrator);
    Optional<Path> ca =
        MeshClientOptions.newBuilder()
            .orchestratorTarget(orchestrator)
            .ledgerTarget(ledgerTarget)
            .receiptTarget(orchestrator)
            .identity(Identity.generate())
            .caCertificate(caCertificate)
            .build()
            .caCertificate();
    progress.println("Driving the mesh at " + orchestrator);
    progress.flush();
    return new BenchMesh(
        new MeshBench.Target(orchestrator, ledgerTarget, ca, plaintext), null, null);
  }

  /** Where the mesh is and how to reach it. */
  MeshBench.Target target() {
    return target;
  }

  /** Whether the mesh runs in this JVM, started by the benchmark. */
  boolean startedHere() {
    return mesh != null;
  }

  /** Stops the mesh started here and deletes its folder; leaves a running mesh alone. */
  @Override
  public void close() {
    if (mesh != null) {
      mesh.close();
      deleteTree(dataDir);
    }
  }

  /** Deletes {@code dir} and everything in it, reporting on stderr what could not be deleted. */
  static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("bench: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
