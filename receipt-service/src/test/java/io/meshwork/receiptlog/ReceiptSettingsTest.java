package io.meshwork.receiptlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.receiptlog.core.ReceiptLog;
import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.HelidonSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receipt service's settings: their defaults, and the keys and values that stop it. */
class ReceiptSettingsTest {
  @TempDir Path dir;

  private ServiceHost start(Settings settings) {
    return InProcessHost.start(
        "receipts", ReceiptSettings.SCHEMA, settings, ReceiptService::create);
  }

  @Test
  void theDefaultsAreASqliteLogWithTheDefaultOrigin() {
    assertEquals(
        new ReceiptSettings(
            ReceiptLog.DEFAULT_ORIGIN,
            new ReceiptSettings.StoreOptions(false, Optional.empty(), "", "")),
        ReceiptSettings.from(new MapSettings(Map.of())));
  }

  @Test
  void declaredKeysStartTheLog() {
    try (ServiceHost host =
        start(
            new MapSettings(
                Map.of("data-dir", dir.toString(), "receipts.origin", "example.org/log")))) {
      assertEquals("example.org/log", ((ReceiptService) host.service()).log().origin());
    }
  }

  @Test
  void aMistypedKeyStopsTheServiceAtStartNamingIt() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        "--set",
                        Map.of("data-dir", dir.toString(), "receipts.orign", "example.org/log"),
                        new MapSettings(Map.of()))));

    assertEquals(
        "unknown setting: 'receipts.orign' (from --set) is not a key that the receipts service"
            + " declares; did you mean 'receipts.origin'?",
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("receipts.db")), "nothing was opened");
  }

  @Test
  void aMistypedEnvironmentVariableStopsTheServiceNamingIt() {
    HelidonSettings settings =
        HelidonSettings.load(
            Optional.empty(),
            Map.of(
                "MESHWORK_DATA_DIR", dir.toString(),
                "MESHWORK_RECEIPTS_STORE_KIND", "sqlite",
                "MESHWORK_HOME", dir.toString()));

    SettingsException e = assertThrows(SettingsException.class, () -> start(settings));

    assertEquals(
        "unknown setting: the environment variable MESHWORK_RECEIPTS_STORE_KIND names no key that"
            + " the receipts service declares; did you mean MESHWORK_RECEIPTS_STORE"
            + " (receipts.store)?",
        e.getMessage());
  }

  @Test
  void valuesTheServiceCannotUseStopIt() {
    SettingsException store =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(Map.of("data-dir", dir.toString(), "receipts.store", "file"))));
    SettingsException origin =
        assertThrows(
            SettingsException.class,
            () ->
                start(new MapSettings(Map.of("data-dir", dir.toString(), "receipts.origin", " "))));
    SettingsException url =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        Map.of("data-dir", dir.toString(), "receipts.store", "postgres"))));

    assertTrue(
        store.getMessage().endsWith("allowed: text, one of sqlite, postgres"), store.getMessage());
    assertTrue(origin.getMessage().startsWith("setting 'receipts.origin'"), origin.getMessage());
    assertTrue(url.getMessage().contains("'receipts.postgres.url' is required"), url.getMessage());
  }
}
