package io.meshwork.dist;

import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mesh of orchestrators arranged as peers of one another, each on its own ports and speaking real
 * gRPC over TLS, in this JVM: the root is a {@link DevMesh} (with the ledger and the receipt log
 * every orchestrator settles through), the others are started beside it, each with its own
 * executors (some of them liars) and the peers it delegates to.
 */
final class OrchestratorTree implements AutoCloseable {
  /**
   * One orchestrator of the tree.
   *
   * @param peers the names of the orchestrators it delegates to
   * @param executors how many executors it has
   * @param liars which of its executors (from 1) lie about every result
   */
  record Node(String name, List<String> peers, int executors, Set<Integer> liars) {
    static Node of(String name, int executors, String... peers) {
      return new Node(name, List.of(peers), executors, Set.of());
    }
  }

  static final String ROOT = "orchestrator";

  final DevMesh root;
  final Map<String, Identity> orchestrators = new LinkedHashMap<>();
  final Map<String, Identity> executors = new LinkedHashMap<>();
  final Map<String, String> targets = new HashMap<>();
  private final List<ServiceHost> hosts = new ArrayList<>();

  private OrchestratorTree(DevMesh root) {
    this.root = root;
  }

  /**
   * Starts {@code nodes}, the first of which is the root ({@code orchestrator} of a dev mesh), with
   * {@code settings} for every orchestrator on top of what the tree needs.
   */
  static OrchestratorTree start(Path dataDir, List<Node> nodes, Map<String, String> settings) {
    Map<String, Identity> ids = new LinkedHashMap<>();
    Map<String, String> targets = new HashMap<>();
    Map<String, Node> byName = new LinkedHashMap<>();
    Node rootNode = nodes.get(0);
    MeshLayout layout = MeshFixtures.freeLayout(rootNode.executors());
    for (Node n : nodes) {
      byName.put(n.name(), n);
      ids.put(n.name(), identity(dataDir, n.name()));
      targets.put(
          n.name(),
          n == rootNode ? layout.target("orchestrator") : "127.0.0.1:" + MeshFixtures.freePort());
      if (n == rootNode) {
        for (int e = 1; e <= n.executors(); e++) {
          ids.put(n.name() + "/executor-" + e, identity(dataDir, "executor-" + e));
        }
        continue;
      }
      for (int e = 1; e <= n.executors(); e++) {
        String name = n.name() + "-executor-" + e;
        ids.put(n.name() + "/executor-" + e, identity(dataDir, name));
        targets.put(n.name() + "/executor-" + e, "127.0.0.1:" + MeshFixtures.freePort());
      }
    }
    List<ServiceHost> hosts = new ArrayList<>();
    try {
      for (Node n : nodes) {
        if (n == rootNode) {
          continue;
        }
        List<String> executorDids = new ArrayList<>();
        List<String> executorTargets = new ArrayList<>();
        for (int e = 1; e <= n.executors(); e++) {
          String key = n.name() + "/executor-" + e;
          String name = n.name() + "-executor-" + e;
          executorDids.add(ids.get(key).did());
          executorTargets.add(targets.get(key));
          boolean liar = n.liars().contains(e);
          hosts.add(
              ServiceHost.start(
                  name,
                  ExecutorSettings.SCHEMA,
                  settings(
                      dataDir,
                      name,
                      targets.get(key),
                      Map.of("auth.orchestrators", ids.get(n.name()).did())),
                  ctx ->
                      liar
                          ? ExecutorNode.create(
                              ctx, MisbehavingExecutor.alterations(Set.of("liar")))
                          : ExecutorNode.create(ctx)));
        }
        Map<String, String> own = new HashMap<>(settings);
        own.put("auth.executors", String.join(",", executorDids));
        own.put("auth.peers", String.join(",", peersBothWays(n, nodes, ids)));
        if (!n.peers().isEmpty()) {
          own.put(
              "orchestrator.peers",
              String.join(",", n.peers().stream().map(targets::get).toList()));
        }
        if (!executorTargets.isEmpty()) {
          own.put("orchestrator.executors", String.join(",", executorTargets));
        }
        own.put("orchestrator.local-slots", "0");
        own.put("orchestrator.ledger", layout.target("ledger"));
        own.put("orchestrator.receipts", layout.target("receipts"));
        hosts.add(
            ServiceHost.start(
                n.name(),
                OrchestratorSettings.SCHEMA,
                settings(dataDir, n.name(), targets.get(n.name()), own),
                OrchestratorService::create));
      }
      // The root's mesh knows everyone: its ledger and receipt log serve every orchestrator, and
      // the receipt log takes every executor's receipts.
      Map<String, String> rootSettings = new HashMap<>(settings);
      rootSettings.put(
          "auth.orchestrators",
          String.join(",", nodes.stream().skip(1).map(n -> ids.get(n.name()).did()).toList()));
      rootSettings.put(
          "auth.executors",
          String.join(
              ",",
              ids.entrySet().stream()
                  .filter(e -> e.getKey().contains("/executor-"))
                  .filter(e -> !e.getKey().startsWith(rootNode.name() + "/"))
                  .map(e -> e.getValue().did())
                  .toList()));
      rootSettings.put("auth.peers", String.join(",", peersBothWays(rootNode, nodes, ids)));
      rootSettings.put(
          "orchestrator.peers",
          String.join(",", rootNode.peers().stream().map(targets::get).toList()));
      rootSettings.put("orchestrator.local-slots", "0");
      DevMesh mesh = DevMesh.start(dataDir, layout, rootSettings);
      OrchestratorTree tree = new OrchestratorTree(mesh);
      tree.hosts.addAll(hosts);
      tree.targets.putAll(targets);
      ids.forEach(
          (k, v) -> {
            if (k.contains("/executor-")) {
              tree.executors.put(k, v);
            } else {
              tree.orchestrators.put(k, v);
            }
          });
      return tree;
    } catch (RuntimeException e) {
      hosts.forEach(ServiceHost::close);
      throw e;
    }
  }

  /** The DIDs of the orchestrators {@code n} delegates to and of those that delegate to it. */
  private static List<String> peersBothWays(Node n, List<Node> nodes, Map<String, Identity> ids) {
    List<String> dids = new ArrayList<>();
    n.peers().forEach(p -> dids.add(ids.get(p).did()));
    for (Node other : nodes) {
      if (other.peers().contains(n.name()) && !n.peers().contains(other.name())) {
        dids.add(ids.get(other.name()).did());
      }
    }
    return dids;
  }

  private static Identity identity(Path dataDir, String name) {
    try {
      return Identity.loadOrCreate(dataDir.resolve(name).resolve(name + ".key"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MapSettings settings(
      Path dataDir, String name, String target, Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(extra);
    m.put("grpc.host", "127.0.0.1");
    m.put("grpc.port", target.substring(target.lastIndexOf(':') + 1));
    m.put("data-dir", dataDir.resolve(name).toString());
    m.put("identity.file", dataDir.resolve(name).resolve(name + ".key").toString());
    m.put("mesh.dev-mode", "true");
    m.put("orchestrator.kubernetes", "off");
    m.put("tls.dev-ca", MeshFixtures.caDir(dataDir).toString());
    if (name.contains("executor")) {
      m.keySet().removeIf(k -> k.startsWith("orchestrator."));
    }
    return new MapSettings(m);
  }

  /** Every account of the tree: orchestrators and executors, by name. */
  Map<String, Identity> accounts() {
    Map<String, Identity> all = new LinkedHashMap<>(orchestrators);
    all.putAll(executors);
    return all;
  }

  @Override
  public void close() {
    root.close();
    for (int i = hosts.size() - 1; i >= 0; i--) {
      hosts.get(i).close();
    }
  }
}
