package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.dist.LocalKubelet.Pod;
import io.meshwork.dist.RenderedManifests.Workload;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.wasm.abi.SampleText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development overlay's settings are real (issue 17, must show 2): every service starts as the
 * rendered manifests configure it, as local processes (see {@link LocalKubelet}: each pod in a
 * network namespace of its own where the Services' names resolve to their pods, its volumes bound
 * where they are mounted, a read-only root, the container's environment and arguments after the
 * image's entrypoint), with the Secrets an operator makes as docs/KUBERNETES.md says. Once every
 * startup probe answers (an executor that started before the orchestrator exits and is started
 * again, as in a cluster), a word count runs through them: a user calls the Services by name, the
 * executor pod joins, wins the tasks and is paid. Nothing of the manifests is rewritten. Where
 * network namespaces cannot be made (not root), the test says why and is skipped.
 */
class KubernetesProcessTest {
  private static final Duration START = Duration.ofSeconds(180);

  @TempDir Path dir;

  @Test
  void theDevOverlayRunsAWordCountAsItsManifestsConfigureTheServices() throws Exception {
    RenderedManifests m = RenderedManifests.render("dev");
    StringBuilder whyNot = new StringBuilder();
    Optional<TestSubnet> made = TestSubnet.create(whyNot);
    Assumptions.assumeTrue(
        made.isPresent(), "network namespaces cannot be made here (" + whyNot + ")");
    Map<String, Map<String, byte[]>> secrets = operatorSecrets();
    LocalKubelet kubelet = new LocalKubelet(m, secrets, dir);
    List<Pod> pods = new ArrayList<>();
    try (TestSubnet subnet = made.get()) {
      // One host per pod, in the order a cluster might start them: all at once.
      Map<String, TestSubnet.Host> hosts = new LinkedHashMap<>();
      int n = 1;
      for (Workload w : m.workloads()) {
        hosts.put(w.name(), subnet.add(Integer.toString(n), n));
        n++;
      }
      Map<String, String> services = new LinkedHashMap<>();
      for (Service s : m.all(Service.class)) {
        Workload selected =
            m.workloads().stream()
                .filter(
                    w ->
                        NetworkFlows.matches(
                            new io.fabric8.kubernetes.api.model.LabelSelector(
                                null, s.getSpec().getSelector()),
                            w.template().getMetadata().getLabels()))
                .findFirst()
                .orElseThrow();
        services.put(s.getMetadata().getName(), hosts.get(selected.name()).address());
      }
      for (Workload w : m.workloads()) {
        TestSubnet.Host host = hosts.get(w.name());
        LocalKubelet.hosts(host, services);
        String podName = w.kind().equals("StatefulSet") ? w.name() + "-0" : w.name() + "-7d4b9";
        pods.add(kubelet.pod(w, podName, host));
      }
      for (Pod p : pods) {
        p.start();
      }
      for (Pod p : pods) {
        awaitStartupProbe(p, pods);
      }
      run(m, pods, services, secrets);
    } finally {
      pods.forEach(Pod::stop);
      pods.forEach(p -> LocalKubelet.removeHosts(p.host));
      kubelet.removeMountPoints();
      keepLogs(pods);
    }
  }

  private void run(
      RenderedManifests m,
      List<Pod> pods,
      Map<String, String> services,
      Map<String, Map<String, byte[]>> secrets)
      throws Exception {
    Path ca = dir.resolve("ca.pem");
    Files.write(ca, secrets.get("meshwork-dev-ca").get("ca.pem"));
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      ManagedChannel compute = channel(services, "meshwork-orchestrator", m, ca, channels);
      ManagedChannel ledger = channel(services, "meshwork-ledger", m, ca, channels);
      ManagedChannel receipts = channel(services, "meshwork-receipts", m, ca, channels);
      MeshClient user =
          MeshClient.over(
              compute,
              ledger,
              receipts,
              MeshClientOptions.newBuilder().identity(Identity.generate()).build());
      Pod executor =
          pods.stream()
              .filter(p -> p.workload.service().equals("executor"))
              .findFirst()
              .orElseThrow();
      Identity executorId = Identity.load(executor.volume("data").resolve("executor.key"));
      MeshClient executorAccount =
          MeshClient.over(
              compute,
              ledger,
              receipts,
              MeshClientOptions.newBuilder().identity(executorId).build());
      // Its account opens with the development grant at this first read.
      long before = executorAccount.balance().getBalance();
      JobRequest words = MeshFixtures.wordCountJob(SampleText.generate(8_000, 17), 2_000).build();
      JobResult counted;
      try {
        counted = MeshFixtures.runWordCount(user, words, Duration.ofSeconds(60));
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(e.getMessage() + "\n" + logs(pods), e);
      }
      // The executor pod made its key at start in its emptyDir; it won every task and was paid.
      Set<String> winners =
          user.placements(counted.jobId()).stream()
              .map(TaskPlacement::getWinnerDid)
              .collect(Collectors.toSet());
      assertEquals(Set.of(executorId.did()), winners);
      long paid = counted.status().getManaSpent();
      assertTrue(paid > 0, "the job spent mana");
      assertEquals(before + paid, executorAccount.balance().getBalance(), "the executor was paid");
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /**
   * The Secrets the development overlay names, made as docs/KUBERNETES.md tells an operator: a
   * development CA folder, and the orchestrator's identity with {@code meshwork identity}.
   */
  private Map<String, Map<String, byte[]>> operatorSecrets() throws Exception {
    Path caDir = dir.resolve("operator").resolve("dev-ca");
    CertificateAuthority.loadOrCreate(caDir);
    Path key = dir.resolve("operator").resolve("orchestrator.key");
    StringWriter out = new StringWriter();
    var cli = Meshwork.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertEquals(0, cli.execute("identity", key.toString()));
    Map<String, Map<String, byte[]>> secrets = new LinkedHashMap<>();
    secrets.put(
        "meshwork-dev-ca",
        Map.of(
            "ca.pem", Files.readAllBytes(caDir.resolve(CertificateAuthority.CERTIFICATE_FILE)),
            "ca.key", Files.readAllBytes(caDir.resolve(CertificateAuthority.KEY_FILE))));
    secrets.put(
        "meshwork-orchestrator-identity",
        Map.of(
            "identity.key", Files.readAllBytes(key),
            "did", out.toString().strip().getBytes(StandardCharsets.UTF_8)));
    return secrets;
  }

  /** Waits for {@code pod}'s startup probe as the kubelet asks it, restarting exited containers. */
  private static void awaitStartupProbe(Pod pod, List<Pod> all) throws Exception {
    var probe = pod.workload.container().getStartupProbe().getGrpc();
    String service = probe.getService() == null ? "" : probe.getService();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(pod.host.address(), probe.getPort()).usePlaintext().build();
    long until = System.nanoTime() + START.toNanos();
    try {
      while (true) {
        for (Pod p : all) {
          p.keepRunning();
        }
        try {
          var status =
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.newBuilder().setService(service).build())
                  .getStatus();
          if (status == ServingStatus.SERVING) {
            return;
          }
        } catch (RuntimeException notYet) {
          // Not listening yet.
        }
        if (System.nanoTime() > until) {
          throw new AssertionError(pod.name + " did not start:\n" + logs(all));
        }
        Thread.sleep(250);
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * A user's TLS channel to a Service by its name, as a client in the cluster opens one: to the pod
   * behind the name, checking that its certificate names the Service.
   */
  private static ManagedChannel channel(
      Map<String, String> services,
      String name,
      RenderedManifests m,
      Path ca,
      List<ManagedChannel> channels)
      throws Exception {
    int port =
        m.named(Service.class, name).getSpec().getPorts().stream()
            .filter(p -> p.getName().equals("grpc"))
            .findFirst()
            .orElseThrow()
            .getPort();
    ManagedChannel c =
        NettyChannelBuilder.forAddress(services.get(name), port)
            .overrideAuthority(name)
            .sslContext(GrpcSslContexts.forClient().trustManager(ca.toFile()).build())
            .maxInboundMessageSize(64 << 20)
            .build();
    channels.add(c);
    return c;
  }

  private static String logs(List<Pod> pods) {
    StringBuilder all = new StringBuilder();
    for (Pod p : pods) {
      all.append("---- ").append(p.name).append(" (").append(p.restarts).append(" restarts)\n");
      all.append(p.log()).append('\n');
    }
    return all.toString();
  }

  private void keepLogs(List<Pod> pods) {
    try {
      Path keep = Path.of("target", "mesh-logs", "kubernetes-" + System.currentTimeMillis());
      Files.createDirectories(keep);
      for (Pod p : pods) {
        if (Files.exists(p.log)) {
          Files.copy(p.log, keep.resolve(p.name + ".log"));
        }
      }
    } catch (java.io.IOException e) {
      // Logs are a convenience; the test's outcome stands.
    }
  }
}
