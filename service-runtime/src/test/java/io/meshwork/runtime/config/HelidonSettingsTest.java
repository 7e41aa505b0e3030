package io.meshwork.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML file and the environment as sources of settings. */
class HelidonSettingsTest {
  @TempDir Path dir;

  @Test
  void everyLeafOfTheFileIsAKeyAndAListIsOne() throws Exception {
    Path yaml = dir.resolve("ledger.yaml");
    Files.writeString(
        yaml,
        """
        grpc:
          port: 50052
        ledger.dev-grant: 7
        ledger:
          regeneration:
            amount: 3
        auth:
          orchestrators:
            - did:key:a
            - did:key:b
        """);

    HelidonSettings settings = HelidonSettings.load(Optional.of(yaml), Map.of());

    assertEquals(
        Set.of("grpc.port", "ledger.dev-grant", "ledger.regeneration.amount", "auth.orchestrators"),
        settings.entries().stream().map(Settings.Entry::name).collect(Collectors.toSet()));
    assertEquals(Optional.of("did:key:a,did:key:b"), settings.find("auth.orchestrators"));
    assertEquals(Optional.of("7"), settings.find("ledger.dev-grant"));
    assertTrue(settings.entries().stream().allMatch(e -> e.source().equals("the file " + yaml)));
  }

  @Test
  void aVariableOverridesTheFileAndIsListedFirst() throws Exception {
    Path yaml = dir.resolve("ledger.yaml");
    Files.writeString(yaml, "ledger:\n  floor: 1\n");

    HelidonSettings settings =
        HelidonSettings.load(
            Optional.of(yaml), Map.of("MESHWORK_LEDGER_FLOOR", "-5", "MESHWORK_HOME", "/h"));

    assertEquals(Optional.of("-5"), settings.find("ledger.floor"));
    assertEquals(
        List.of(
            new Settings.Entry(
                "MESHWORK_LEDGER_FLOOR", true, "the environment variable MESHWORK_LEDGER_FLOOR"),
            new Settings.Entry("ledger.floor", false, "the file " + yaml)),
        settings.entries());
  }

  @Test
  void onlyVariablesThatStartWithAKeyFamilyAreSettings() {
    assertTrue(HelidonSettings.isSettingVariable("MESHWORK_LEDGER_DEV_GRANT"));
    assertTrue(HelidonSettings.isSettingVariable("MESHWORK_DATA_DIR"));
    assertTrue(HelidonSettings.isSettingVariable("MESHWORK_RFC0016_T2_MS"));
    assertFalse(HelidonSettings.isSettingVariable("MESHWORK_HOME"));
    assertFalse(HelidonSettings.isSettingVariable("MESHWORK_JAVA_OPTS"));
    assertFalse(HelidonSettings.isSettingVariable("MESHWORK_BENCH_JAVA_OPTS"));
    assertFalse(HelidonSettings.isSettingVariable("MESHWORK_LEDGERS"));
    assertFalse(HelidonSettings.isSettingVariable("LEDGER_DEV_GRANT"));
    assertEquals(
        "MESHWORK_AUTH_ORCHESTRATORS", HelidonSettings.environmentName("auth.orchestrators"));
  }

  @Test
  void aMissingOrBrokenFileIsASettingsProblem() throws Exception {
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, "grpc:\n  port: [unclosed\n");

    SettingsException missing =
        assertThrows(
            SettingsException.class,
            () -> HelidonSettings.load(Optional.of(dir.resolve("none.yaml")), Map.of()));
    SettingsException unreadable =
        assertThrows(
            SettingsException.class, () -> HelidonSettings.load(Optional.of(broken), Map.of()));

    assertTrue(missing.getMessage().contains("none.yaml"), missing.getMessage());
    assertTrue(unreadable.getMessage().contains("broken.yaml"), unreadable.getMessage());
  }
}
