package io.meshwork.dist;

import io.meshwork.executor.ExecutorNode;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.LedgerService;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
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
import java.util.function.Function;

/**
 * The whole mesh on one machine: ledger, receipt log, executors and orchestrator, each its own gRPC
 * server on its own loopback port, talking to each other over real gRPC.
 *
 * <p>Ports from the base (50051 by default): orchestrator = base, ledger = base + 1, receipts =
 * base + 2, executors = base + 3 onwards; each admin port is its gRPC port + 1000. Every service
 * keeps its SQLite files and key under {@code dataDir/<service>}.
 */
public final class DevMesh implements AutoCloseable {
  /** One running service of the mesh. */
  public record Endpoint(String name, String role, int grpcPort, int adminPort, String did) {}

  private final List<ServiceHost> hosts = new ArrayList<>();
  private final List<Endpoint> endpoints = new ArrayList<>();

  private DevMesh() {}

  /** Starts the mesh; on failure, whatever had started is stopped again. */
  public static DevMesh start(
      Path dataDir, int portBase, int executors, Map<String, String> extra) {
    DevMesh mesh = new DevMesh();
    try {
      mesh.boot(dataDir, portBase, executors, extra);
      return mesh;
    } catch (RuntimeException e) {
      mesh.close();
      throw e;
    }
  }

  private void boot(Path dataDir, int base, int executorCount, Map<String, String> extra) {
    // Every service's key is made first, so that each one can be told who the others are.
    Map<String, Identity> ids = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(List.of("orchestrator", "ledger", "receipts"));
    for (int i = 1; i <= executorCount; i++) {
      names.add("executor-" + i);
    }
    for (String n : names) {
      ids.put(n, identity(dataDir.resolve(n).resolve(n + ".key")));
    }
    String serviceDids = String.join(",", ids.values().stream().map(Identity::did).toList());
    List<String> executorTargets = new ArrayList<>();
    for (int i = 0; i < executorCount; i++) {
      executorTargets.add("127.0.0.1:" + (base + 3 + i));
    }
    Function<String, Map<String, String>> common =
        name -> {
          Map<String, String> m = new HashMap<>();
          m.put("grpc.host", "127.0.0.1");
          m.put("data-dir", dataDir.resolve(name).toString());
          m.put("identity.file", dataDir.resolve(name).resolve(name + ".key").toString());
          m.put("auth.service-dids", serviceDids);
          m.put("mesh.dev-mode", "true");
          m.putAll(extra);
          return m;
        };
    start("ledger", "ledger", base + 1, common, LedgerService::create);
    start("receipts", "receipt log", base + 2, common, ReceiptService::create);
    for (int i = 1; i <= executorCount; i++) {
      start("executor-" + i, "executor", base + 2 + i, common, ExecutorNode::create);
    }
    Map<String, String> orchestrator = new HashMap<>();
    orchestrator.put("orchestrator.executors", String.join(",", executorTargets));
    orchestrator.put("orchestrator.ledger", "127.0.0.1:" + (base + 1));
    orchestrator.put("orchestrator.receipts", "127.0.0.1:" + (base + 2));
    start(
        "orchestrator",
        "orchestrator",
        base,
        name -> {
          Map<String, String> m = common.apply(name);
          orchestrator.forEach(m::putIfAbsent);
          return m;
        },
        OrchestratorService::create);
  }

  private void start(
      String name,
      String role,
      int port,
      Function<String, Map<String, String>> settings,
      Function<ServiceContext, MeshService> factory) {
    Map<String, String> s = settings.apply(name);
    s.put("grpc.port", Integer.toString(port));
    s.putIfAbsent("admin.port", Integer.toString(port == 0 ? 0 : port + 1000));
    ServiceHost host = ServiceHost.start(name, new MapSettings(s), factory);
    hosts.add(host);
    endpoints.add(
        new Endpoint(
            name, role, host.grpcPort(), host.adminPort(), host.context().identity().did()));
  }

  private static Identity identity(Path file) {
    try {
      return Identity.loadOrCreate(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the service key " + file, e);
    }
  }

  /** The running services, orchestrator last. */
  public List<Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  /** The endpoint of the service {@code name}. */
  public Endpoint endpoint(String name) {
    return endpoints.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
  }

  /** Stops every service, the orchestrator first. */
  @Override
  public void close() {
    for (int i = hosts.size() - 1; i >= 0; i--) {
      hosts.get(i).close();
    }
    hosts.clear();
  }
}
