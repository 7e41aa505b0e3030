package io.meshwork.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestrator's declared keys: what stops it at start, and that the code reads no other. */
class OrchestratorSettingsTest {
  @TempDir Path dir;

  private Map<String, String> wired(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    m.put("data-dir", dir.toString());
    m.put("orchestrator.ledger", "ledger");
    m.put("orchestrator.receipts", "receipts");
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  private ServiceHost start(Settings settings) {
    return InProcessHost.start(
        "orchestrator", OrchestratorSettings.SCHEMA, settings, OrchestratorService::create);
  }

  @Test
  void aMistypedKeyStopsTheOrchestratorAtStartNamingIt() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        "--set", wired("rfc0016.t2ms", "3000"), new MapSettings(Map.of()))));

    assertEquals(
        "unknown setting: 'rfc0016.t2ms' (from --set) is not a key that the orchestrator service"
            + " declares; did you mean 'rfc0016.t2-ms'?",
        e.getMessage());
    assertTrue(!Files.exists(dir.resolve("orchestrator.db")), "the journal was not opened");
  }

  @Test
  void aMistypedLimitCapStopsIt() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> start(new MapSettings(wired("limits.caps.fuel", "1000"))));

    assertTrue(e.getMessage().contains("did you mean 'limits.cap.fuel'?"), e.getMessage());
  }

  @Test
  void valuesOutOfRangeStopIt() {
    Map<String, String> bad =
        Map.of(
            "rfc0016.t2-ms", "0",
            "orchestrator.sample.rate", "1.5",
            "limits.memory-bytes", "100000",
            "orchestrator.max-parallel-tasks", "many");
    bad.forEach(
        (key, value) -> {
          SettingsException e =
              assertThrows(
                  SettingsException.class, () -> start(new MapSettings(wired(key, value))), key);
          assertTrue(
              e.getMessage().startsWith("setting '" + key + "' has the invalid value '" + value),
              e.getMessage());
        });
  }

  @Test
  void withoutTheLedgerItDoesNotStart() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        Map.of("data-dir", dir.toString(), "orchestrator.receipts", "r"))));

    assertEquals(
        "setting 'orchestrator.ledger' is required but not set (The ledger's host:port)",
        e.getMessage());
  }

  @Test
  void aDefaultAboveItsCapStopsIt() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                OrchestratorOptions.from(
                    new MapSettings(
                        Map.of(
                            "orchestrator.ledger", "127.0.0.1:1",
                            "orchestrator.receipts", "127.0.0.1:2",
                            "orchestrator.default-timeout-secs", "600",
                            "orchestrator.max-timeout-secs", "60"))));
    assertTrue(
        e.getMessage().contains("'orchestrator.default-timeout-secs' (600)"), e.getMessage());
    assertTrue(e.getMessage().contains("'orchestrator.max-timeout-secs' (60)"), e.getMessage());
  }
}
