package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.meshwork.blob.grpc.BlobAccess;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.dist.NetworkFlows.Endpoint;
import io.meshwork.dist.RenderedManifests.Workload;
import io.meshwork.executor.grpc.ExecutorAccess;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.ledger.grpc.LedgerAccess;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import io.meshwork.orchestrator.grpc.ComputeAccess;
import io.meshwork.orchestrator.grpc.MembershipAccess;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receiptlog.grpc.ReceiptAccess;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rendered NetworkPolicies let through exactly the flows the services need (issue 17, must show
 * 1): between the services, the ones the services' access tables allow (a role's holder calls the
 * service whose table names the role); from outside, the services whose tables have rows for users,
 * operators, peers or everyone; and the infrastructure: DNS for every pod, metrics scraping of
 * every admin port, the Kubernetes API for the orchestrator, PostgreSQL for the stores set to it,
 * the object store where blobs are in S3. Every other connection among the pods below, on every
 * port they serve, is denied.
 */
class KubernetesNetworkPolicyTest {
  private static final String OUTSIDE = "a client outside";
  private static final String PROMETHEUS = "prometheus";
  private static final String DNS = "kube-dns";
  private static final String API = "the Kubernetes API";
  private static final String POSTGRES = "postgresql";
  private static final String OBJECT_STORE = "the object store";

  /** One gRPC service: its access table and the workload that serves it. */
  private record Served(AccessTable table, ServiceDescriptor descriptor, String workload) {}

  /** Every gRPC service of the mesh; the blob store is served on the orchestrator's port. */
  private static final List<Served> SERVED =
      List.of(
          served(ComputeAccess.TABLE, ComputeServiceGrpc.getServiceDescriptor()),
          served(MembershipAccess.TABLE, MembershipServiceGrpc.getServiceDescriptor()),
          new Served(
              BlobAccess.TABLE, BlobServiceGrpc.getServiceDescriptor(), "meshwork-orchestrator"),
          served(LedgerAccess.TABLE, LedgerServiceGrpc.getServiceDescriptor()),
          served(ReceiptAccess.TABLE, ReceiptServiceGrpc.getServiceDescriptor()),
          served(ExecutorAccess.TABLE, ExecutorServiceGrpc.getServiceDescriptor()));

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"dev", "cluster"})
  void theFlowsAreTheAccessTablesAndTheInfrastructureTheServicesUse(String overlay)
      throws Exception {
    RenderedManifests m = RenderedManifests.render(overlay);
    String namespace = m.workload("meshwork-orchestrator").metadata().getNamespace();
    NetworkFlows policies = new NetworkFlows(m.all(NetworkPolicy.class), namespace);

    Map<String, Endpoint> pods = new LinkedHashMap<>();
    int ip = 10;
    for (Workload w : m.workloads()) {
      pods.put(
          w.name(),
          new Endpoint(
              w.name(),
              namespace,
              Map.of("kubernetes.io/metadata.name", namespace),
              w.template().getMetadata().getLabels(),
              "10.244.0." + ip++,
              w.container().getPorts().stream()
                  .collect(
                      Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort))));
    }
    Endpoint outside = Endpoint.address(OUTSIDE, "203.0.113.9");
    Endpoint prometheus = pod(PROMETHEUS, "monitoring", Map.of("app", "prometheus"), "10.244.7.4");
    Endpoint dns = pod(DNS, "kube-system", Map.of("k8s-app", "kube-dns"), "10.244.9.2");
    Endpoint postgres =
        pod(POSTGRES, "databases", Map.of("app.kubernetes.io/name", "postgresql"), "10.244.8.3");
    Endpoint api = Endpoint.address(API, "10.0.0.1");
    Endpoint objectStore = Endpoint.address(OBJECT_STORE, "52.216.0.10");

    TreeSet<String> allowed = new TreeSet<>();
    List<Endpoint> callers = new ArrayList<>(pods.values());
    callers.add(outside);
    callers.add(prometheus);
    for (Endpoint from : callers) {
      for (Endpoint to : pods.values()) {
        to.ports()
            .forEach(
                (name, port) -> {
                  if (from != to && policies.allowed(from, to, "TCP", port)) {
                    allowed.add(from.name() + " -> " + to.name() + ":" + name);
                  }
                });
      }
    }
    for (Endpoint from : pods.values()) {
      probe(policies, allowed, from, dns, "UDP", 53);
      probe(policies, allowed, from, dns, "TCP", 53);
      probe(policies, allowed, from, api, "TCP", 443);
      probe(policies, allowed, from, api, "TCP", 6443);
      probe(policies, allowed, from, postgres, "TCP", 5432);
      probe(policies, allowed, from, objectStore, "TCP", 443);
    }

    assertEquals(
        String.join("\n", expected(m, pods.keySet())), String.join("\n", allowed), overlay);
  }

  /** The flows the tables and the services' settings call for. */
  private TreeSet<String> expected(RenderedManifests m, Iterable<String> workloads)
      throws Exception {
    TreeSet<String> flows = new TreeSet<>();
    for (Served s : SERVED) {
      for (MethodDescriptor<?, ?> method : s.descriptor().getMethods()) {
        Optional<AccessTable.Rule> rule = s.table().rule(method.getFullMethodName());
        if (rule.isEmpty()) {
          continue;
        }
        List<String> callers = new ArrayList<>();
        if (rule.get().open()) {
          callers.add(OUTSIDE);
        }
        rule.get().roles().forEach(role -> callers.add(caller(role)));
        for (String caller : callers) {
          flows.add(caller + " -> " + s.workload() + ":grpc");
          if (caller.equals(OUTSIDE)) {
            // Whoever is outside the mesh, Prometheus included: a user may run anywhere.
            flows.add(PROMETHEUS + " -> " + s.workload() + ":grpc");
          }
        }
      }
    }
    Map<String, String> orchestrator =
        ManifestSettings.of(m, m.workload("meshwork-orchestrator"), dir).values();
    for (String w : workloads) {
      flows.add(PROMETHEUS + " -> " + w + ":admin");
      flows.add(w + " -> " + DNS + ":53/UDP");
      flows.add(w + " -> " + DNS + ":53/TCP");
      Map<String, String> settings = ManifestSettings.of(m, m.workload(w), dir).values();
      boolean postgres =
          settings.entrySet().stream()
              .anyMatch(
                  e ->
                      e.getKey().matches(".*\\.(store|catalog)")
                          && e.getValue().equals("postgres"));
      if (postgres) {
        flows.add(w + " -> " + POSTGRES + ":5432/TCP");
      }
    }
    if (Integer.parseInt(orchestrator.getOrDefault("dashboard.port", "-1")) > 0) {
      // The dashboard is for users and operators, wherever they are.
      flows.add(OUTSIDE + " -> meshwork-orchestrator:dashboard");
      flows.add(PROMETHEUS + " -> meshwork-orchestrator:dashboard");
    }
    // The API server's address differs by cluster: its rule names ports only, so the orchestrator
    // reaches any address on them, the object store's included.
    flows.add("meshwork-orchestrator -> " + API + ":443/TCP");
    flows.add("meshwork-orchestrator -> " + API + ":6443/TCP");
    flows.add("meshwork-orchestrator -> " + OBJECT_STORE + ":443/TCP");
    if ("s3".equals(orchestrator.get("blobs.store"))
        && !"false".equals(orchestrator.get("orchestrator.presign-chunk-urls"))) {
      // Executors read their chunks from S3 through presigned URLs.
      flows.add("meshwork-executor -> " + OBJECT_STORE + ":443/TCP");
    }
    return flows;
  }

  /** Who holds {@code role}: the workload of a mesh party, or someone outside the mesh. */
  private static String caller(Role role) {
    return switch (role) {
      case ORCHESTRATOR -> "meshwork-orchestrator";
      case EXECUTOR -> "meshwork-executor";
      case LEDGER -> "meshwork-ledger";
      case RECEIPT_LOG -> "meshwork-receipts";
      // Users and operators are people; peers are other meshes' orchestrators.
      case USER, OPERATOR, PEER -> OUTSIDE;
    };
  }

  private static Served served(AccessTable table, ServiceDescriptor descriptor) {
    Role role =
        table
            .servedBy()
            .orElseThrow(() -> new AssertionError(table.serviceName() + " names no server"));
    return new Served(table, descriptor, caller(role));
  }

  private static Endpoint pod(
      String name, String namespace, Map<String, String> labels, String ip) {
    return new Endpoint(
        name, namespace, Map.of("kubernetes.io/metadata.name", namespace), labels, ip, Map.of());
  }

  private static void probe(
      NetworkFlows policies,
      TreeSet<String> allowed,
      Endpoint from,
      Endpoint to,
      String protocol,
      int port) {
    if (policies.allowed(from, to, protocol, port)) {
      allowed.add(from.name() + " -> " + to.name() + ":" + port + "/" + protocol);
    }
  }
}
