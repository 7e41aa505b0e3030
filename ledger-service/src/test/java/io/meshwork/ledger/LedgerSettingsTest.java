package io.meshwork.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.core.Regeneration;
import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.HelidonSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's settings: their defaults, and the keys and values that stop it at start. */
class LedgerSettingsTest {
  @TempDir Path dir;

  private ServiceHost start(Settings settings) {
    return InProcessHost.start("ledger", LedgerSettings.SCHEMA, settings, LedgerService::create);
  }

  @Test
  void theDefaultsAreTheLedgersRulesOfOld() {
    LedgerSettings settings = LedgerSettings.from(new MapSettings(Map.of()));

    assertEquals(
        new ManaLedger.Options(0, Duration.ofHours(1), 0, Regeneration.off(), Map.of()),
        settings.ledger());
    assertEquals(Duration.ofSeconds(5), settings.expirySweepInterval());
    assertEquals(
        new LedgerSettings.StoreOptions(false, Optional.empty(), "meshwork", "", 1024),
        settings.store());
    assertEquals(
        10_000_000,
        LedgerSettings.from(new MapSettings(Map.of("mesh.dev-mode", "true"))).ledger().devGrant());
  }

  @Test
  void aMistypedKeyStopsTheLedgerAtStartNamingIt() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        "--set",
                        Map.of("data-dir", dir.toString(), "ledger.dev-grnat", "5"),
                        new MapSettings(Map.of()))));

    assertEquals(
        "unknown setting: 'ledger.dev-grnat' (from --set) is not a key that the ledger service"
            + " declares; did you mean 'ledger.dev-grant'?",
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("ledger.db")), "nothing was opened");
  }

  @Test
  void aMistypedKeyInTheYamlFileStopsTheLedgerToo() throws Exception {
    Path yaml = dir.resolve("ledger.yaml");
    Files.writeString(yaml, "data-dir: " + dir + "\nledger:\n  regeneration:\n    amout: 5\n");

    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> start(HelidonSettings.load(Optional.of(yaml), Map.of())));

    assertTrue(
        e.getMessage()
            .startsWith(
                "unknown setting: 'ledger.regeneration.amout' (from the file " + yaml + ")"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("did you mean 'ledger.regeneration.amount'?"));
  }

  @Test
  void valuesTheLedgerCannotUseStopItAtStart() {
    Map<String, String> bad =
        Map.of(
            "ledger.store", "mysql",
            "ledger.hold-timeout", "P31D",
            "ledger.expiry-sweep-interval", "0",
            "ledger.max-ops-per-commit", "0",
            "ledger.max-amount", "0",
            "ledger.account-floors", "alice=5");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      Map<String, String> settings = Map.of("data-dir", dir.toString(), e.getKey(), e.getValue());
      SettingsException refused =
          assertThrows(SettingsException.class, () -> start(new MapSettings(settings)), e.getKey());
      assertTrue(
          refused.getMessage().startsWith("setting '" + e.getKey() + "' has the invalid value"),
          refused.getMessage());
    }
  }

  @Test
  void aDevelopmentGrantAboveTheLargestAmountStopsTheLedger() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        Map.of(
                            "data-dir", dir.toString(),
                            "mesh.dev-mode", "true",
                            "ledger.dev-grant", "5000",
                            "ledger.max-amount", "4999"))));

    assertTrue(e.getMessage().contains("'ledger.dev-grant' is 5000"), e.getMessage());
    assertTrue(e.getMessage().contains("'ledger.max-amount' (4999)"), e.getMessage());
    assertEquals(
        4999,
        LedgerSettings.from(new MapSettings(Map.of("ledger.max-amount", "4999")))
            .ledger()
            .maxAmount());
  }

  @Test
  void postgresWithoutItsUrlStopsTheLedger() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        Map.of("data-dir", dir.toString(), "ledger.store", "postgres"))));

    assertTrue(e.getMessage().contains("'ledger.postgres.url' is required"), e.getMessage());
  }
}
