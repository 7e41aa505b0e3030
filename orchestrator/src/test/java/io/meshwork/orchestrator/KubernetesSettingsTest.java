package io.meshwork.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.kube.KubernetesOptions;
import io.meshwork.runtime.config.HelidonSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes keys: on inside a pod by default, their defaults, a YAML file that sets the mode
 * beside its nested keys, and timings that contradict each other stopping the orchestrator.
 */
class KubernetesSettingsTest {
  private static final Map<String, String> IN_A_POD =
      Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "POD_NAME", "meshwork-orchestrator-7f9c");

  @TempDir Path dir;

  private static Optional<KubernetesOptions> options(
      Map<String, String> set, Map<String, String> env) {
    return KubernetesSettings.options(new MapSettings(set), env);
  }

  @Test
  void autoIsOnInsideAPodOnlyWithTheDefaultsOfTheDocs() {
    assertTrue(options(Map.of(), Map.of()).isEmpty(), "off outside a pod");
    KubernetesOptions k = options(Map.of(), IN_A_POD).orElseThrow();

    assertEquals("meshwork-executor", k.executorService());
    assertEquals("grpc", k.executorPort());
    assertEquals("meshwork-orchestrator", k.lease());
    assertEquals(Duration.ofSeconds(15), k.leaseDuration());
    assertEquals(Duration.ofSeconds(10), k.renewDeadline());
    assertEquals(Duration.ofSeconds(2), k.retryPeriod());
    assertEquals("meshwork-orchestrator-7f9c", k.identity(), "the pod's name");
    assertEquals("meshwork-executor", k.executorDeployment());
    assertEquals(1, k.scale().minExecutors());
    assertEquals(10, k.scale().maxExecutors());
    assertEquals(Duration.ofMinutes(5), k.scale().cooldown());
    assertEquals(Duration.ofSeconds(15), k.scaleInterval());
    assertEquals(Optional.empty(), k.namespace(), "the pod's own");
    assertTrue(k.discovers() && k.elects() && k.scales());

    assertTrue(options(Map.of("orchestrator.kubernetes", "off"), IN_A_POD).isEmpty());
    assertTrue(options(Map.of("orchestrator.kubernetes", "on"), Map.of()).isPresent());
  }

  @Test
  void emptyNamesTurnTheirPartOff() {
    KubernetesOptions k =
        options(
                Map.of(
                    "orchestrator.kubernetes.executor-service", "",
                    "orchestrator.kubernetes.lease", "",
                    "orchestrator.kubernetes.executor-deployment", ""),
                IN_A_POD)
            .orElseThrow();
    assertTrue(!k.discovers() && !k.elects() && !k.scales());
  }

  @Test
  void aYamlFileSetsTheModeBesideItsNestedKeysAndAnUnquotedOnStillMeansOn() throws Exception {
    Path yaml = dir.resolve("orchestrator.yaml");
    Files.writeString(
        yaml,
        """
        orchestrator.kubernetes: on
        orchestrator:
          kubernetes.namespace: meshwork
          kubernetes.lease: orchestrators
        """);
    KubernetesOptions k =
        KubernetesSettings.options(HelidonSettings.load(Optional.of(yaml), Map.of()), Map.of())
            .orElseThrow();
    assertEquals(Optional.of("meshwork"), k.namespace());
    assertEquals("orchestrators", k.lease());
  }

  @Test
  void timingsOrBoundsThatContradictEachOtherStopTheOrchestrator() {
    SettingsException renew =
        assertThrows(
            SettingsException.class,
            () -> options(Map.of("orchestrator.kubernetes.renew-deadline-ms", "15000"), IN_A_POD));
    assertTrue(renew.getMessage().contains("orchestrator.kubernetes.renew-deadline-ms"));
    assertThrows(
        SettingsException.class,
        () -> options(Map.of("orchestrator.kubernetes.retry-period-ms", "5000"), IN_A_POD));
    SettingsException bounds =
        assertThrows(
            SettingsException.class,
            () ->
                options(
                    Map.of(
                        "orchestrator.scale.min-executors",
                        "5",
                        "orchestrator.scale.max-executors",
                        "2"),
                    IN_A_POD));
    assertEquals(
        "setting 'orchestrator.scale.max-executors' is 2, below 'orchestrator.scale.min-executors'"
            + " (5)",
        bounds.getMessage());
    assertThrows(
        SettingsException.class,
        () -> options(Map.of("orchestrator.kubernetes", "maybe"), IN_A_POD));
  }
}
