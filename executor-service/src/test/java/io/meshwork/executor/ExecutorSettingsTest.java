package io.meshwork.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.executor.membership.JoinOptions;
import io.meshwork.executor.work.PricingRule;
import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's settings: their defaults, and the keys and values that stop it at start. */
class ExecutorSettingsTest {
  @TempDir Path dir;

  private ServiceHost start(Settings settings) {
    return InProcessHost.start("executor", ExecutorSettings.SCHEMA, settings, ExecutorNode::create);
  }

  @Test
  void theDefaultsFollowTheMachineAndTheSlots() {
    int cores = Runtime.getRuntime().availableProcessors();

    assertEquals(
        new ExecutorSettings(
            cores,
            4 * cores,
            256L << 20,
            16L << 20,
            64L << 20,
            64,
            256L << 20,
            false,
            100_000,
            Math.max(1, cores / 2),
            java.time.Duration.ofMinutes(1),
            new PricingRule(1, 16, 0.5),
            java.time.Duration.ofSeconds(30),
            java.util.Optional.empty()),
        ExecutorSettings.from(new MapSettings(Map.of())));
    assertEquals(
        12,
        ExecutorSettings.from(new MapSettings(Map.of("executor.task-slots", "3"))).queueLimit());
  }

  @Test
  void pricingComesFromThePriceKeys() {
    PricingRule rule =
        ExecutorSettings.from(
                new MapSettings(
                    Map.of(
                        "executor.price.base", "10",
                        "executor.price.per-mib", "2",
                        "executor.price.load-factor", "0",
                        "executor.price.weights", "matmul=8, SHA256=2")))
            .pricing();

    assertEquals(new PricingRule(10, 2, 0, Map.of("matmul", 8.0, "sha256", 2.0)), rule);
  }

  @Test
  void declaredKeysStartTheExecutor() {
    try (ServiceHost host =
        start(new MapSettings(Map.of("data-dir", dir.toString(), "executor.task-slots", "2")))) {
      assertTrue(host.service() instanceof ExecutorNode);
    }
  }

  @Test
  void aMistypedKeyStopsTheExecutorAtStartNamingIt() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        "--set",
                        Map.of("data-dir", dir.toString(), "executor.task-slot", "2"),
                        new MapSettings(Map.of()))));

    assertEquals(
        "unknown setting: 'executor.task-slot' (from --set) is not a key that the executor"
            + " service declares; did you mean 'executor.task-slots'?",
        e.getMessage());
  }

  @Test
  void anotherServicesKeyStopsTheExecutorToo() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(new MapSettings(Map.of("data-dir", dir.toString(), "rfc0016.t2-ms", "500"))));

    assertTrue(e.getMessage().contains("'rfc0016.t2-ms'"), e.getMessage());
  }

  @Test
  void badWeightsAreRefusedNamingTheKey() {
    for (String weights : new String[] {"matmul", "a=-1", "a=lots"}) {
      SettingsException e =
          assertThrows(
              SettingsException.class,
              () ->
                  start(
                      new MapSettings(
                          Map.of("data-dir", dir.toString(), "executor.price.weights", weights))));
      assertEquals(
          "setting 'executor.price.weights' has the invalid value '"
              + weights
              + "' (from the settings map); allowed: a comma-separated list of operation=weight, each weight greater than"
              + " 0",
          e.getMessage());
    }
  }

  @Test
  void compileLimitsBelowTheirLeastAreRefusedNamingTheKey() {
    for (String key :
        new String[] {
          "executor.max-compiles", "executor.compile-timeout-ms", "executor.max-table-elements"
        }) {
      SettingsException e =
          assertThrows(
              SettingsException.class,
              () -> start(new MapSettings(Map.of("data-dir", dir.toString(), key, "-1"))));
      assertTrue(e.getMessage().startsWith("setting '" + key + "'"), e.getMessage());
    }
  }

  @Test
  void slotsBelowOneAreRefused() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        Map.of("data-dir", dir.toString(), "executor.task-slots", "0"))));

    assertTrue(e.getMessage().endsWith("allowed: an integer, at least 1"), e.getMessage());
  }

  @Test
  void joiningTakesTheTokenFileTheCaAndTheAdvertisedAddress() throws Exception {
    Path tokenFile = dir.resolve("token");
    java.nio.file.Files.writeString(tokenFile, "mwjt_secret\n");

    JoinOptions options =
        ExecutorSettings.from(
                new MapSettings(
                    Map.of(
                        "executor.join", "orch.example:7000",
                        "executor.join-token-file", tokenFile.toString(),
                        "tls.ca", "/etc/mesh/ca.pem",
                        "grpc.host", "0.0.0.0",
                        "grpc.advertise", "exec-1.example:7100")))
            .joining()
            .orElseThrow();

    assertEquals(
        new JoinOptions(
            "orch.example:7000",
            Optional.of("mwjt_secret"),
            "exec-1.example:7100",
            Path.of("/etc/mesh/ca.pem"),
            false,
            Optional.empty()),
        options);
  }

  @Test
  void withoutAdvertiseTheBoundAddressIsTheEndpointAndTheDevelopmentCaIsTrusted() {
    JoinOptions options =
        ExecutorSettings.from(
                new MapSettings(
                    Map.of(
                        "executor.join", "127.0.0.1:7000",
                        "tls.dev-ca", "/tmp/ca",
                        "grpc.port", "7100",
                        "executor.heartbeat-timeout-ms", "1500")))
            .joining()
            .orElseThrow();

    assertEquals("127.0.0.1:7100", options.endpoint());
    assertEquals(Path.of("/tmp/ca", "ca.pem"), options.trusted());
    assertEquals(Optional.of(Duration.ofMillis(1500)), options.heartbeatTimeout());
  }

  @Test
  void joiningSettingsThatDoNotFitStopTheExecutorNamingTheKeys() {
    Map<String, String> base = Map.of("executor.join", "o:1", "grpc.port", "7100");
    Map<Map<String, String>, String> cases =
        Map.of(
            Map.of("tls.ca", "ca.pem", "grpc.host", "0.0.0.0"),
            "set grpc.advertise",
            Map.of("tls.ca", "ca.pem", "grpc.port", "0"),
            "set grpc.advertise",
            Map.of(),
            "set tls.ca",
            Map.of("tls.plaintext", "true"),
            "tls.plaintext is true",
            Map.of("tls.ca", "ca.pem", "executor.join-token", "a", "executor.join-token-file", "b"),
            "both set");
    cases.forEach(
        (extra, expected) -> {
          Map<String, String> all = new java.util.HashMap<>(base);
          all.putAll(extra);
          SettingsException e =
              assertThrows(
                  SettingsException.class, () -> ExecutorSettings.from(new MapSettings(all)));
          assertTrue(e.getMessage().contains(expected), extra + ": " + e.getMessage());
        });
  }
}
