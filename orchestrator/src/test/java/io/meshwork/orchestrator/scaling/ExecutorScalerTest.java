package io.meshwork.orchestrator.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.meshwork.orchestrator.jobs.ManualClock;
import io.meshwork.orchestrator.kube.DeploymentReplicas;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scaler against the Kubernetes API (fabric8's mock server, whose CRUD mode serves no {@code
 * scale} subresource, so the Deployment's scale is an expectation that keeps its replicas): it
 * raises the executor Deployment's replicas under a backlog at once, and lowers them only after the
 * cool-down, patching {@code spec.replicas} of the scale subresource and nothing else.
 */
class ExecutorScalerTest {
  private static final double MIB = 1 << 20;
  private static final String SCALE =
      "/apis/apps/v1/namespaces/test/deployments/meshwork-executor/scale";
  private static final Pattern REPLICAS = Pattern.compile("\"replicas\"\\s*:\\s*(\\d+)");

  private KubernetesMockServer server;
  private KubernetesClient client;
  private final AtomicInteger replicas = new AtomicInteger(1);
  private final List<String> patches = new CopyOnWriteArrayList<>();
  private final ManualClock clock = new ManualClock();
  private double backlog;

  @BeforeEach
  void apiServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init();
    client = server.createClient();
    // The Deployment is there (the scale subresource is the expectation below).
    client
        .apps()
        .deployments()
        .inNamespace("test")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("meshwork-executor")
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .endSpec()
                .build())
        .create();
    server.expect().get().withPath(SCALE).andReply(200, request -> scale(replicas.get())).always();
    server
        .expect()
        .patch()
        .withPath(SCALE)
        .andReply(
            200,
            request -> {
              String body = request.getBody().readUtf8();
              patches.add(body);
              Matcher m = REPLICAS.matcher(body);
              if (m.find()) {
                replicas.set(Integer.parseInt(m.group(1)));
              }
              return scale(replicas.get());
            })
        .always();
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  private static Scale scale(int count) {
    return new ScaleBuilder()
        .withNewMetadata()
        .withName("meshwork-executor")
        .withNamespace("test")
        .endMetadata()
        .withNewSpec()
        .withReplicas(count)
        .endSpec()
        .build();
  }

  @Test
  void raisesReplicasUnderABacklogAndLowersThemAfterTheCooldown() {
    ExecutorScaler scaler =
        new ExecutorScaler(
            new ScalePolicy(1, 6, 64 * MIB, Duration.ofMinutes(5)),
            Duration.ofSeconds(15),
            () -> backlog,
            new DeploymentReplicas(client, "test", "meshwork-executor"),
            clock);
    // Taken over now: the cool-down counts from here.
    scaler.start();
    scaler.close();

    backlog = 0;
    scaler.round();
    assertEquals(List.of(), patches, "one executor for nothing: no change");

    backlog = 300 * MIB;
    scaler.round();
    assertEquals(5, replicas.get(), "ceil(300 / 64) executors at once");
    assertEquals(List.of("{\"spec\":{\"replicas\":5}}"), patches);

    backlog = 10_000 * MIB;
    clock.advance(Duration.ofSeconds(15));
    scaler.round();
    assertEquals(6, replicas.get(), "never past the maximum");

    backlog = 0;
    clock.advance(Duration.ofMinutes(4));
    scaler.round();
    assertEquals(6, replicas.get(), "the backlog is gone, but the cool-down is not over");

    clock.advance(Duration.ofMinutes(1));
    scaler.round();
    assertEquals(1, replicas.get(), "lowered to the minimum after the cool-down");
    assertEquals(3, patches.size());
    assertEquals(
        List.of(),
        requests().stream().filter(r -> !r.endsWith(" " + SCALE)).toList(),
        "the scale subresource is all the scaler reads and writes");
  }

  /** The requests the scaler made (after the test's own creation of the Deployment). */
  private List<String> requests() {
    List<String> seen = new java.util.ArrayList<>();
    try {
      server.takeRequest(1, TimeUnit.SECONDS);
      for (var r = server.takeRequest(1, TimeUnit.SECONDS);
          r != null;
          r = server.takeRequest(100, TimeUnit.MILLISECONDS)) {
        seen.add(r.getMethod() + " " + r.getPath());
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    return seen;
  }
}
