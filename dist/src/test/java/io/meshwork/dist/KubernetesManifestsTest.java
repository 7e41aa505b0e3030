package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.meshwork.dist.RenderedManifests.Workload;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests as {@code kubectl kustomize} renders each overlay, read with fabric8's typed model
 * (issue 17, must show 1): every workload is probed over gRPC on its plaintext health port (the
 * orchestrator's readiness asking for leadership), runs hardened, has resources set and JVM flags
 * that follow them, serves the ports its Service names, and runs with settings its service accepts;
 * every replicated service has a PodDisruptionBudget; the RBAC is exactly what the orchestrator
 * calls. {@link KubernetesNetworkPolicyTest} checks the NetworkPolicies.
 */
class KubernetesManifestsTest {
  /** The workloads, by the service each serves. */
  private static final Map<String, String> WORKLOADS =
      Map.of(
          "orchestrator", "meshwork-orchestrator",
          "ledger", "meshwork-ledger",
          "receipts", "meshwork-receipts",
          "executor", "meshwork-executor");

  /** The service reported ready only while the replica leads (docs/KUBERNETES.md). */
  static final String LEADER_HEALTH_SERVICE = "meshwork.orchestrator.leader";

  /** A JVM's start on a loaded node can take a minute; the startup probe allows at least two. */
  private static final int STARTUP_SECONDS = 120;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"dev", "cluster"})
  void everyServiceRunsAsOneWorkloadWithItsServicePortsAndAcceptedSettings(String overlay)
      throws Exception {
    RenderedManifests m = RenderedManifests.render(overlay);
    assertEquals(
        new TreeSet<>(WORKLOADS.values()),
        m.workloads().stream().map(Workload::name).collect(Collectors.toCollection(TreeSet::new)));
    assertEquals("StatefulSet", m.workload("meshwork-receipts").kind(), "the single sequencer");
    for (Workload w : m.workloads()) {
      assertEquals(WORKLOADS.get(w.service()), w.name(), w.name() + " serves " + w.service());
      Map<String, String> settings = ManifestSettings.of(m, w, dir).values();
      Map<String, Integer> ports = containerPorts(w.container());
      // The orchestrator serves its dashboard too (dashboard.port).
      Set<String> named =
          w.name().equals("meshwork-orchestrator")
              ? Set.of("grpc", "admin", "health", "dashboard")
              : Set.of("grpc", "admin", "health");
      assertEquals(named, ports.keySet(), w.name());
      if (ports.containsKey("dashboard")) {
        assertEquals(settings.get("dashboard.port"), ports.get("dashboard").toString(), w.name());
      }
      assertEquals(settings.get("grpc.port"), ports.get("grpc").toString(), w.name());
      assertEquals(settings.get("admin.port"), ports.get("admin").toString(), w.name());
      assertEquals(settings.get("grpc.health-port"), ports.get("health").toString(), w.name());
      assertEquals("0.0.0.0", settings.get("grpc.host"), w.name() + " listens on the pod's IP");

      Service service = m.service(w);
      assertTrue(
          NetworkFlows.matches(
              new io.fabric8.kubernetes.api.model.LabelSelector(
                  null, service.getSpec().getSelector()),
              w.template().getMetadata().getLabels()),
          w.name() + "'s Service selects its pods");
      Map<String, String> servicePorts = new java.util.TreeMap<>();
      for (ServicePort p : service.getSpec().getPorts()) {
        servicePorts.put(p.getName(), p.getTargetPort().getStrVal());
        assertEquals(ports.get(p.getName()), p.getPort(), w.name() + " serves " + p.getName());
      }
      Map<String, String> expectedPorts = new java.util.TreeMap<>();
      named.forEach(n -> expectedPorts.put(n, n));
      assertEquals(expectedPorts, servicePorts, w.name());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "cluster"})
  void probesAskTheHealthPortOverGrpcAndTheOrchestratorIsReadyOnlyWhileItLeads(String overlay)
      throws Exception {
    RenderedManifests m = RenderedManifests.render(overlay);
    for (Workload w : m.workloads()) {
      Container c = w.container();
      int health = containerPorts(c).get("health");
      String ready = w.service().equals("orchestrator") ? LEADER_HEALTH_SERVICE : "";
      assertGrpcProbe(w, "startup", c.getStartupProbe(), health, "");
      assertGrpcProbe(w, "liveness", c.getLivenessProbe(), health, "");
      assertGrpcProbe(w, "readiness", c.getReadinessProbe(), health, ready);
      Probe startup = c.getStartupProbe();
      int budget = startup.getPeriodSeconds() * startup.getFailureThreshold();
      assertTrue(budget >= STARTUP_SECONDS, w.name() + ": startup allows only " + budget + " s");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "cluster"})
  void podsRunHardenedWithResourcesAndJvmFlagsThatFollowThem(String overlay) throws Exception {
    RenderedManifests m = RenderedManifests.render(overlay);
    for (Workload w : m.workloads()) {
      PodSpec pod = w.template().getSpec();
      PodSecurityContext ps = pod.getSecurityContext();
      assertEquals(Boolean.TRUE, ps.getRunAsNonRoot(), w.name());
      assertNotNull(ps.getRunAsUser(), w.name() + ": a fixed UID");
      assertTrue(ps.getRunAsUser() > 0, w.name());
      assertNotNull(ps.getRunAsGroup(), w.name() + ": a fixed GID");
      assertNotNull(ps.getFsGroup(), w.name() + ": volumes writable by its group");
      assertEquals("RuntimeDefault", ps.getSeccompProfile().getType(), w.name());
      // A service link such as MESHWORK_LEDGER_SERVICE_HOST would be read as an unknown setting.
      assertEquals(Boolean.FALSE, pod.getEnableServiceLinks(), w.name());

      Container c = w.container();
      SecurityContext cs = c.getSecurityContext();
      assertEquals(Boolean.FALSE, cs.getAllowPrivilegeEscalation(), w.name());
      assertEquals(Boolean.TRUE, cs.getReadOnlyRootFilesystem(), w.name());
      assertEquals(List.of("ALL"), cs.getCapabilities().getDrop(), w.name());
      assertTrue(
          cs.getCapabilities().getAdd() == null || cs.getCapabilities().getAdd().isEmpty(),
          w.name());
      assertTrue(cs.getPrivileged() == null || !cs.getPrivileged(), w.name());

      for (String kind : List.of("cpu", "memory")) {
        Quantity request = c.getResources().getRequests().get(kind);
        Quantity limit = c.getResources().getLimits().get(kind);
        assertNotNull(request, w.name() + " requests " + kind);
        assertNotNull(limit, w.name() + " limits " + kind);
        assertTrue(
            limit.getNumericalAmount().compareTo(request.getNumericalAmount()) >= 0,
            w.name() + ": " + kind + " limit below the request");
      }
      String jvm = env(c, "JAVA_TOOL_OPTIONS").orElse("");
      assertTrue(jvm.contains("-XX:MaxRAMPercentage="), w.name() + ": the heap follows the limit");

      assertWritableOnlyWhereMeant(m, w);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "cluster"})
  void onlyTheOrchestratorHasAnApiTokenAndItsRoleGrantsExactlyWhatItCalls(String overlay)
      throws Exception {
    RenderedManifests m = RenderedManifests.render(overlay);
    for (Workload w : m.workloads()) {
      boolean orchestrator = w.service().equals("orchestrator");
      String account = w.template().getSpec().getServiceAccountName();
      assertEquals(w.name(), account, w.name() + " runs as its own ServiceAccount");
      ServiceAccount sa = m.named(ServiceAccount.class, account);
      assertEquals(orchestrator, sa.getAutomountServiceAccountToken(), account);
      assertEquals(
          orchestrator, w.template().getSpec().getAutomountServiceAccountToken(), w.name());
    }
    assertTrue(m.all(ClusterRole.class).isEmpty(), "no ClusterRole");
    assertTrue(m.all(ClusterRoleBinding.class).isEmpty(), "no ClusterRoleBinding");

    Map<String, String> orchestrator =
        ManifestSettings.of(m, m.workload("meshwork-orchestrator"), dir).values();
    String lease =
        orchestrator.getOrDefault("orchestrator.kubernetes.lease", "meshwork-orchestrator");
    String executors =
        orchestrator.getOrDefault(
            "orchestrator.kubernetes.executor-deployment", "meshwork-executor");
    m.workload(executors);
    assertEquals(
        Set.of(
            rule("discovery.k8s.io", "endpointslices", List.of(), "list", "watch"),
            rule("coordination.k8s.io", "leases", List.of(), "create"),
            rule("coordination.k8s.io", "leases", List.of(lease), "get", "patch"),
            rule("apps", "deployments/scale", List.of(executors), "get", "patch")),
        m.all(Role.class).stream()
            .flatMap(r -> r.getRules().stream())
            .map(KubernetesManifestsTest::rule)
            .collect(Collectors.toSet()));
    assertEquals(1, m.all(Role.class).size(), "one Role");
    RoleBinding binding = m.all(RoleBinding.class).get(0);
    assertEquals(1, m.all(RoleBinding.class).size(), "one RoleBinding");
    assertEquals(m.all(Role.class).get(0).getMetadata().getName(), binding.getRoleRef().getName());
    assertEquals("Role", binding.getRoleRef().getKind());
    assertEquals(1, binding.getSubjects().size());
    assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
    assertEquals("meshwork-orchestrator", binding.getSubjects().get(0).getName());

    String slices =
        orchestrator.getOrDefault("orchestrator.kubernetes.executor-service", "meshwork-executor");
    String port = orchestrator.getOrDefault("orchestrator.kubernetes.executor-port", "grpc");
    Service executorService = m.named(Service.class, slices);
    assertTrue(
        executorService.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(port)),
        "the executors' Service has the port discovery reads");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "cluster"})
  void everyReplicatedServiceHasADisruptionBudgetThatKeepsOneAndLetsOneGo(String overlay)
      throws Exception {
    RenderedManifests m = RenderedManifests.render(overlay);
    if (overlay.equals("dev")) {
      m.workloads().forEach(w -> assertEquals(1, w.replicas(), w.name() + ": one replica each"));
    } else {
      assertEquals(2, m.workload("meshwork-orchestrator").replicas());
      assertTrue(m.workload("meshwork-executor").replicas() > 1, "executors scaled");
    }
    List<PodDisruptionBudget> budgets = m.all(PodDisruptionBudget.class);
    for (Workload w : m.workloads()) {
      // The Deployments replicate (orchestrators lead and stand by, executors are scaled) even
      // where they run as one; the StatefulSets are single by design.
      boolean replicated = w.kind().equals("Deployment");
      List<PodDisruptionBudget> mine =
          budgets.stream()
              .filter(
                  b ->
                      NetworkFlows.matches(
                          b.getSpec().getSelector(), w.template().getMetadata().getLabels()))
              .toList();
      if (!replicated) {
        assertEquals(1, w.replicas(), w.name());
        assertTrue(mine.isEmpty(), w.name() + ": a budget on a single pod only blocks drains");
        continue;
      }
      assertEquals(1, mine.size(), w.name() + " has one PodDisruptionBudget");
      // One pod at a time: with two or more one is left, and a lone pod can still be moved.
      assertEquals(null, mine.get(0).getSpec().getMinAvailable(), w.name());
      assertEquals(1, mine.get(0).getSpec().getMaxUnavailable().getIntVal(), w.name());
    }
  }

  private static void assertGrpcProbe(
      Workload w, String which, Probe probe, int healthPort, String service) {
    String what = w.name() + "'s " + which + " probe";
    assertNotNull(probe, what);
    assertNotNull(probe.getGrpc(), what + " is a gRPC probe");
    assertEquals(healthPort, probe.getGrpc().getPort(), what + " asks the health port");
    String asked = probe.getGrpc().getService() == null ? "" : probe.getGrpc().getService();
    assertEquals(service, asked, what + " asks for the service");
    assertTrue(probe.getHttpGet() == null && probe.getExec() == null, what);
  }

  /**
   * The root file system is read-only, so every mount the process writes to must be an emptyDir or
   * a volume claim: {@code /tmp} and {@code data-dir}; every other mount is read-only.
   */
  private void assertWritableOnlyWhereMeant(RenderedManifests m, Workload w) throws Exception {
    String dataDir = ManifestSettings.of(m, w, dir).values().get("data-dir");
    Set<String> writable = new TreeSet<>();
    for (VolumeMount mount : w.container().getVolumeMounts()) {
      if (Boolean.TRUE.equals(mount.getReadOnly())) {
        continue;
      }
      writable.add(mount.getMountPath());
      Optional<Volume> volume = w.volume(mount.getName());
      boolean claimed =
          w.claims().stream().anyMatch(c -> c.getMetadata().getName().equals(mount.getName()));
      assertTrue(
          claimed || volume.map(v -> v.getEmptyDir() != null).orElse(false),
          w.name() + ": " + mount.getMountPath() + " is writable but no emptyDir or claim");
    }
    assertEquals(new TreeSet<>(Set.of("/tmp", dataDir)), writable, w.name());
  }

  private static Map<String, Integer> containerPorts(Container c) {
    return c.getPorts().stream()
        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
  }

  private static Optional<String> env(Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst();
  }

  private record Rule(
      Set<String> groups, Set<String> resources, Set<String> names, Set<String> verbs) {}

  private static Rule rule(String group, String resource, List<String> names, String... verbs) {
    return new Rule(Set.of(group), Set.of(resource), Set.copyOf(names), Set.of(verbs));
  }

  private static Rule rule(PolicyRule r) {
    return new Rule(
        Set.copyOf(r.getApiGroups()),
        Set.copyOf(r.getResources()),
        r.getResourceNames() == null ? Set.of() : Set.copyOf(r.getResourceNames()),
        Set.copyOf(r.getVerbs()));
  }
}
