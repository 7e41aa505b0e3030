package io.meshwork.orchestrator.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetComputeCapacityRequest;
import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.orchestrator.leadership.Leadership;
import io.meshwork.orchestrator.membership.MemberSource;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.grpc.MeshChannels;
import io.meshwork.runtime.tls.ServiceTls;
import io.meshwork.runtime.tls.TlsOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two orchestrator replicas as production wires them, against the mock Kubernetes API server in
 * CRUD mode, with a real receipt log and real executors over TLS: one takes the Lease and serves,
 * the other stands by (health NOT_SERVING under {@code meshwork.orchestrator.leader}, calls refused
 * as UNAVAILABLE naming the leader); executors appearing in the executor Service's EndpointSlices
 * are called back over TLS and become members, and leave when their endpoint is no longer ready or
 * its slice goes; when the leader stops, the stand-by takes over and discovers the executors
 * itself.
 */
class OrchestratorOnKubernetesTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final MockApiServer api = new MockApiServer();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final AtomicInteger deposed = new AtomicInteger();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    api.close();
  }

  private Path ca() {
    return dir.resolve("ca");
  }

  private Path orchestratorKey() {
    return dir.resolve("orchestrator.key");
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private ServiceHost receiptLog(String orchestratorDid) {
    return keep(
        ServiceHost.start(
            "receipts",
            ReceiptSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir",
                    dir.resolve("receipts").toString(),
                    "grpc.host",
                    "127.0.0.1",
                    "grpc.port",
                    "0",
                    "admin.port",
                    "-1",
                    "tls.dev-ca",
                    ca().toString(),
                    "auth.orchestrators",
                    orchestratorDid)),
            ReceiptService::create));
  }

  private ServiceHost executor(String name, String orchestratorDid) {
    return keep(
        ServiceHost.start(
            "executor",
            ExecutorSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dir.resolve(name).toString(),
                    "grpc.host", "127.0.0.1",
                    "grpc.port", "0",
                    "admin.port", "-1",
                    "tls.dev-ca", ca().toString(),
                    "auth.orchestrators", orchestratorDid,
                    "executor.task-slots", "1")),
            ExecutorNode::create));
  }

  /** A replica: its own data, the shared identity, the Lease named by {@code identity}. */
  private ServiceHost orchestrator(String identity, int receiptsPort) {
    Map<String, String> s = new HashMap<>();
    s.put("data-dir", dir.resolve(identity).toString());
    s.put("identity.file", orchestratorKey().toString());
    s.put("grpc.host", "127.0.0.1");
    s.put("grpc.port", "0");
    s.put("grpc.health-port", "0");
    s.put("admin.port", "0");
    s.put("tls.dev-ca", ca().toString());
    s.put("mesh.dev-mode", "true");
    s.put("orchestrator.local-slots", "0");
    // Nothing here reaches the ledger.
    s.put("orchestrator.ledger", "127.0.0.1:1");
    s.put("orchestrator.receipts", "127.0.0.1:" + receiptsPort);
    s.put("orchestrator.kubernetes", "on");
    s.put("orchestrator.kubernetes.api-url", api.url());
    s.put("orchestrator.kubernetes.namespace", "test");
    s.put("orchestrator.kubernetes.identity", identity);
    s.put("orchestrator.kubernetes.lease-duration-ms", "3000");
    s.put("orchestrator.kubernetes.renew-deadline-ms", "2000");
    s.put("orchestrator.kubernetes.retry-period-ms", "250");
    s.put("orchestrator.kubernetes.executor-deployment", "");
    return keep(
        ServiceHost.start(
            "orchestrator",
            OrchestratorSettings.SCHEMA,
            new MapSettings(s),
            ctx -> OrchestratorService.create(ctx, deposed::incrementAndGet)));
  }

  private static OrchestratorService service(ServiceHost host) {
    return (OrchestratorService) host.service();
  }

  private static EndpointSlice slice(String name, int port, boolean ready) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("test")
        .addToLabels(ExecutorDiscovery.SERVICE_LABEL, "meshwork-executor")
        .endMetadata()
        .withAddressType("IPv4")
        .addNewPort()
        .withName("grpc")
        .withPort(port)
        .withProtocol("TCP")
        .endPort()
        .addNewEndpoint()
        .withAddresses("127.0.0.1")
        .withNewConditions()
        .withReady(ready)
        .withServing(ready)
        .withTerminating(false)
        .endConditions()
        .endEndpoint()
        .build();
  }

  private static Optional<MemberView> member(ServiceHost orchestrator, String did) {
    return service(orchestrator).membership().list(true).stream()
        .filter(m -> m.did().equals(did))
        .findFirst();
  }

  private static void await(BooleanSupplier condition, String what) {
    long until = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static ServingStatus leaderHealth(ServiceHost orchestrator) {
    ManagedChannel channel =
        MeshChannels.openPlaintext("127.0.0.1:" + orchestrator.healthPort(), 1 << 20);
    try {
      return HealthGrpc.newBlockingStub(channel)
          .check(HealthCheckRequest.newBuilder().setService(Leadership.HEALTH_NAME).build())
          .getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  /** The replica's Prometheus metrics, from its admin port. */
  private static String metrics(ServiceHost orchestrator) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + orchestrator.adminPort() + "/observe/metrics"))
                  .header("Accept", "text/plain")
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }

  /** Asks the replica for the fleet's capacity, as a user over TLS. */
  private void askCapacity(ServiceHost orchestrator) {
    Identity user = Identity.generate();
    ServiceTls tls =
        ServiceTls.of(
            new TlsOptions(false, Optional.empty(), Optional.empty(), Optional.empty(), ca()),
            user,
            "tester");
    ManagedChannel channel =
        MeshChannels.open("127.0.0.1:" + orchestrator.grpcPort(), 1 << 20, tls.clientContext());
    try {
      ComputeServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(new BearerCredentials(user))
          .getComputeCapacity(GetComputeCapacityRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void theLeaderDiscoversExecutorsTheStandByRefusesAndTakesOverWhenTheLeaderStops()
      throws Exception {
    String orchestratorDid = Identity.loadOrCreate(orchestratorKey()).did();
    ServiceHost receipts = receiptLog(orchestratorDid);
    ServiceHost first = executor("executor-1", orchestratorDid);
    ServiceHost second = executor("executor-2", orchestratorDid);
    String firstDid = first.context().identity().did();
    String secondDid = second.context().identity().did();

    ServiceHost a = orchestrator("orchestrator-a", receipts.grpcPort());
    await(() -> service(a).leads(), "orchestrator-a leads");
    ServiceHost b = orchestrator("orchestrator-b", receipts.grpcPort());

    // The stand-by: not ready for the Service, and refusing work naming the leader.
    assertEquals(ServingStatus.SERVING, leaderHealth(a));
    assertEquals(ServingStatus.NOT_SERVING, leaderHealth(b));
    askCapacity(a);
    assertTrue(
        metrics(a).contains("meshwork_orchestrator_backlog"),
        "the backlog is a gauge for autoscalers of the operators' own");
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> askCapacity(b));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertEquals(
        "this orchestrator replica is standing by; the leader is orchestrator-a",
        refused.getStatus().getDescription());

    // Executors appear in the executor Service's EndpointSlices: the leader calls them back over
    // TLS, and each is a member by the DID its certificate proves.
    KubernetesClient k8s = api.client();
    k8s.discovery()
        .v1()
        .endpointSlices()
        .inNamespace("test")
        .resource(slice("executor-1", first.grpcPort(), true))
        .create();
    k8s.discovery()
        .v1()
        .endpointSlices()
        .inNamespace("test")
        .resource(slice("executor-2", second.grpcPort(), true))
        .create();
    await(
        () -> member(a, firstDid).map(m -> m.state() == MemberState.LIVE).orElse(false),
        "executor-1 is a live member");
    await(
        () -> member(a, secondDid).map(m -> m.state() == MemberState.LIVE).orElse(false),
        "executor-2 is a live member");
    assertEquals(MemberSource.DISCOVERED, member(a, firstDid).orElseThrow().source());
    assertEquals("127.0.0.1:" + first.grpcPort(), member(a, firstDid).orElseThrow().endpoint());
    assertEquals(2, service(a).membership().executors().size());
    assertEquals(List.of(), service(b).membership().list(true), "the stand-by has no members");

    // No longer ready: it leaves.
    k8s.discovery()
        .v1()
        .endpointSlices()
        .inNamespace("test")
        .resource(slice("executor-2", second.grpcPort(), false))
        .update();
    await(
        () -> member(a, secondDid).map(m -> m.state() == MemberState.LEFT).orElse(false),
        "executor-2 left");
    assertEquals(1, service(a).membership().executors().size());

    // The leader stops (a rolling update): it hands the Lease over, and the stand-by takes over.
    open.remove(a);
    a.close();
    await(() -> service(b).leads(), "orchestrator-b takes over");
    assertEquals(ServingStatus.SERVING, leaderHealth(b));
    askCapacity(b);
    await(
        () -> member(b, firstDid).map(m -> m.state() == MemberState.LIVE).orElse(false),
        "the new leader discovers executor-1");
    assertFalse(
        member(b, secondDid).map(m -> m.state().member()).orElse(false),
        "executor-2 is still not ready");

    // Its slice goes: it leaves.
    k8s.discovery().v1().endpointSlices().inNamespace("test").withName("executor-1").delete();
    await(
        () -> member(b, firstDid).map(m -> m.state() == MemberState.LEFT).orElse(false),
        "executor-1 left");
    assertTrue(service(b).membership().executors().isEmpty());
    assertEquals(0, deposed.get(), "nobody was deposed: the leader stepped down");
  }
}
