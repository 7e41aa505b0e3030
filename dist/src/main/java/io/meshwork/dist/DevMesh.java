package io.meshwork.dist;

import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.LedgerService;
import io.meshwork.ledger.LedgerSettings;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import io.meshwork.runtime.tls.CertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The whole mesh on one machine: ledger, receipt log, executors and orchestrator, each its own gRPC
 * server on its own loopback port, talking to each other over real gRPC.
 *
 * <p>The services take the ports of a {@link MeshLayout} (from 50051 by default: orchestrator,
 * ledger, receipts, then the executors, each with its admin port 1000 above). Every service keeps
 * its SQLite files and key under {@code dataDir/<service>}. Every port speaks TLS with a
 * certificate from the mesh's development CA in {@code dataDir/tls} (clients trust its {@code
 * ca.pem}), and the services call each other over mutual TLS; {@code tls.plaintext=true} in the
 * extra settings turns TLS off, for debugging only.
 *
 * <p>Each service is told who the others are through the role lists it reads (docs/AUTH.md): the
 * ledger and the executors know the orchestrator as {@code auth.orchestrators}, the receipt log
 * knows it and the executors, the orchestrator knows the executors as {@code auth.executors}.
 * Nobody is an operator unless the extra settings name one.
 *
 * <p>Extra settings go to the services whose schema declares them, and only to those, since each
 * service refuses keys it does not read; a key that no service declares stops the mesh at start. A
 * role list among them is added to the one the mesh makes, not put in its place.
 */
public final class DevMesh implements AutoCloseable {
  /** One running service of the mesh. */
  public record Endpoint(String name, String role, int grpcPort, int adminPort, String did) {}

  private static final List<SettingsSchema> SCHEMAS =
      List.of(
          LedgerSettings.SCHEMA,
          ReceiptSettings.SCHEMA,
          ExecutorSettings.SCHEMA,
          OrchestratorSettings.SCHEMA);

  /** The development CA's folder under the mesh's data folder. */
  public static final String TLS_DIR = "tls";

  private final MeshLayout layout;
  private final Path dataDir;
  private final boolean plaintext;
  // The address other hosts reach the mesh at, when it is open to them; else loopback only.
  private final Optional<String> publicHost;
  private final List<ServiceHost> hosts = new ArrayList<>();
  private final List<Endpoint> endpoints = new ArrayList<>();

  private DevMesh(MeshLayout layout, Path dataDir, boolean plaintext, Optional<String> publicHost) {
    this.layout = layout;
    this.dataDir = dataDir;
    this.plaintext = plaintext;
    this.publicHost = publicHost;
  }

  /**
   * Starts the mesh with its orchestrator on {@code portBase} and {@code executors} executors; on
   * failure, whatever had started is stopped again.
   */
  public static DevMesh start(
      Path dataDir, int portBase, int executors, Map<String, String> extra) {
    return start(dataDir, new MeshLayout(portBase, executors), extra);
  }

  /**
   * Starts the mesh on the ports of {@code layout}; on failure, whatever had started is stopped
   * again.
   *
   * @param extra settings for the services that declare them
   * @throws SettingsException if no service declares a key of {@code extra}
   */
  public static DevMesh start(Path dataDir, MeshLayout layout, Map<String, String> extra) {
    return start(dataDir, layout, extra, Optional.empty());
  }

  /**
   * As {@link #start(Path, MeshLayout, Map)}, reachable from other hosts at {@code publicHost}:
   * every service listens on all addresses, advertises {@code publicHost} with its port, and its
   * certificate names that host besides loopback, so that executors elsewhere can join.
   */
  public static DevMesh start(
      Path dataDir, MeshLayout layout, Map<String, String> extra, Optional<String> publicHost) {
    for (String key : extra.keySet()) {
      if (SCHEMAS.stream().noneMatch(schema -> schema.declares(key))) {
        throw new SettingsException(
            "unknown setting '" + key + "': no service of the mesh declares it");
      }
    }
    DevMesh mesh =
        new DevMesh(layout, dataDir, "true".equals(extra.get("tls.plaintext")), publicHost);
    try {
      mesh.boot(dataDir, extra);
      return mesh;
    } catch (RuntimeException e) {
      mesh.close();
      throw e;
    }
  }

  private void boot(Path dataDir, Map<String, String> extra) {
    // Every service's key is made first, so that each one can be told who the others are.
    Map<String, Identity> ids = new LinkedHashMap<>();
    for (String n : layout.services()) {
      ids.put(n, identity(dataDir.resolve(n).resolve(n + ".key")));
    }
    Map<String, String> roles = new HashMap<>();
    roles.put(SharedSettings.AUTH_ORCHESTRATORS.key(), ids.get("orchestrator").did());
    roles.put(
        SharedSettings.AUTH_EXECUTORS.key(),
        String.join(",", layout.executorNames().stream().map(n -> ids.get(n).did()).toList()));
    if (!plaintext) {
      // One CA for the whole mesh; each service proves its key to it at start and gets its
      // certificate, the way a party joining from elsewhere would.
      CertificateAuthority.loadOrCreate(dataDir.resolve(TLS_DIR));
    }
    Function<String, Map<String, String>> common =
        name -> {
          Map<String, String> m = new HashMap<>();
          m.put("grpc.host", "127.0.0.1");
          m.put("data-dir", dataDir.resolve(name).toString());
          m.put("identity.file", dataDir.resolve(name).resolve(name + ".key").toString());
          m.putAll(roles);
          m.put("mesh.dev-mode", "true");
          m.put("tls.dev-ca", dataDir.resolve(TLS_DIR).toString());
          extra.forEach(
              (key, value) ->
                  m.merge(key, value, (own, more) -> isRoleList(key) ? own + "," + more : more));
          return m;
        };
    start("ledger", "ledger", common, LedgerSettings.SCHEMA, LedgerService::create);
    start("receipts", "receipt log", common, ReceiptSettings.SCHEMA, ReceiptService::create);
    for (String executor : layout.executorNames()) {
      start(executor, "executor", common, ExecutorSettings.SCHEMA, ExecutorNode::create);
    }
    Map<String, String> orchestrator = new HashMap<>();
    orchestrator.put("orchestrator.executors", String.join(",", layout.executorTargets()));
    orchestrator.put("orchestrator.ledger", layout.target("ledger"));
    orchestrator.put("orchestrator.receipts", layout.target("receipts"));
    // One machine's mesh, even when that machine is a pod: it has no Lease, executor Service or
    // Deployment of its own to use.
    orchestrator.put("orchestrator.kubernetes", "off");
    start(
        "orchestrator",
        "orchestrator",
        name -> {
          Map<String, String> m = common.apply(name);
          orchestrator.forEach(m::putIfAbsent);
          return m;
        },
        OrchestratorSettings.SCHEMA,
        OrchestratorService::create);
  }

  private void start(
      String name,
      String role,
      Function<String, Map<String, String>> settings,
      SettingsSchema schema,
      Function<ServiceContext, MeshService> factory) {
    Map<String, String> s = settings.apply(name);
    // Every service is given the extra settings, and each keeps those that are its own. A key no
    // service declares stays, so that the service refuses it instead of it vanishing.
    s.keySet().removeIf(k -> !schema.declares(k) && SCHEMAS.stream().anyMatch(o -> o.declares(k)));
    s.put("grpc.port", Integer.toString(layout.grpcPort(name)));
    publicHost.ifPresent(
        h -> {
          s.put("grpc.host", "0.0.0.0");
          s.put("grpc.advertise", h + ":" + layout.grpcPort(name));
        });
    s.putIfAbsent("admin.port", Integer.toString(layout.adminPort(name)));
    ServiceHost host = ServiceHost.start(name, schema, new MapSettings(s), factory);
    hosts.add(host);
    endpoints.add(
        new Endpoint(
            name, role, host.grpcPort(), host.adminPort(), host.context().identity().did()));
  }

  private static boolean isRoleList(String key) {
    return SharedSettings.ROLES.stream().anyMatch(list -> list.key().equals(key));
  }

  private static Identity identity(Path file) {
    try {
      return Identity.loadOrCreate(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the service key " + file, e);
    }
  }

  /**
   * The layout the mesh was started from. Its ports are the ones the services listen on, except
   * where the base is 0: then the orchestrator took any free port, which its {@link Endpoint} has.
   */
  public MeshLayout layout() {
    return layout;
  }

  /**
   * The CA certificate clients of this mesh trust ({@code DATA-DIR/tls/ca.pem}); empty for a mesh
   * started with {@code tls.plaintext}.
   */
  public Optional<Path> caCertificate() {
    return plaintext
        ? Optional.empty()
        : Optional.of(dataDir.resolve(TLS_DIR).resolve(CertificateAuthority.CERTIFICATE_FILE));
  }

  /** Whether the mesh runs without TLS ({@code tls.plaintext}, for debugging). */
  public boolean plaintext() {
    return plaintext;
  }

  /** The running services, orchestrator last. */
  public List<Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  /** The endpoint of the service {@code name}. */
  public Endpoint endpoint(String name) {
    return endpoints.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
  }

  /** The orchestrator's dashboard port, or -1 when it serves none ({@code dashboard.port}). */
  public int dashboardPort() {
    return hosts.stream()
        .filter(h -> h.context().serviceName().equals("orchestrator"))
        .mapToInt(ServiceHost::webPort)
        .findFirst()
        .orElse(-1);
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
