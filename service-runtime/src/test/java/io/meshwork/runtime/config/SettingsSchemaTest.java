package io.meshwork.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What stops a service at start: keys it does not declare and values it cannot use. */
class SettingsSchemaTest {
  private static final Setting<Integer> SLOTS =
      Setting.integer("executor.task-slots", 4, "Slots.").atLeast(1);
  private static final Setting<String> LEDGER =
      Setting.requiredString("executor.ledger", "The ledger.");
  private static final Setting<List<String>> PEERS = Setting.list("grpc.peers", "Peers.");

  private static final SettingsSchema SCHEMA =
      SettingsSchema.of("executor", List.of(PEERS), List.of(SLOTS, LEDGER));

  @TempDir Path dir;

  @Test
  void declaredKeysWithAllowedValuesPass() {
    SCHEMA.check(
        new MapSettings(
            Map.of("executor.task-slots", "2", "executor.ledger", "h:1", "grpc.peers", "a")));
    assertEquals(List.of(PEERS, SLOTS, LEDGER), SCHEMA.settings());
    assertTrue(SCHEMA.declares("grpc.peers"));
  }

  @Test
  void aMistypedKeyIsNamedWithTheKeyItProbablyMeantAndWhereItCameFrom() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                SCHEMA.check(
                    new MapSettings(
                        "--set",
                        Map.of("executor.task-slot", "2", "executor.ledger", "h:1"),
                        new MapSettings(Map.of()))));

    assertEquals(
        "unknown setting: 'executor.task-slot' (from --set) is not a key that the executor service"
            + " declares; did you mean 'executor.task-slots'?",
        e.getMessage());
  }

  @Test
  void aKeyFarFromEveryDeclaredOneIsNamedWithoutAGuess() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                SCHEMA.check(
                    new MapSettings(Map.of("ledger.dev-grant", "5", "executor.ledger", "h:1"))));

    assertTrue(e.getMessage().contains("'ledger.dev-grant'"), e.getMessage());
    assertTrue(!e.getMessage().contains("did you mean"), e.getMessage());
  }

  @Test
  void badValuesAndMissingRequiredKeysAreAllReportedOnOneLine() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                SCHEMA.check(
                    new MapSettings(
                        "--set", Map.of("executor.task-slots", "0"), new MapSettings(Map.of()))));

    assertEquals(
        "setting 'executor.task-slots' has the invalid value '0' (from --set); allowed: an"
            + " integer, at least 1; setting 'executor.ledger' is required but not set (The"
            + " ledger)",
        e.getMessage());
    assertTrue(!e.getMessage().contains("\n"));
  }

  @Test
  void aMistypedVariableIsNamedWithTheVariableItProbablyMeant() {
    HelidonSettings env =
        HelidonSettings.load(
            Optional.empty(),
            Map.of("MESHWORK_EXECUTOR_TASK_SLOT", "2", "MESHWORK_EXECUTOR_LEDGER", "h:1"));

    SettingsException e = assertThrows(SettingsException.class, () -> SCHEMA.check(env));

    assertEquals(
        "unknown setting: the environment variable MESHWORK_EXECUTOR_TASK_SLOT names no key that"
            + " the executor service declares; did you mean MESHWORK_EXECUTOR_TASK_SLOTS"
            + " (executor.task-slots)?",
        e.getMessage());
  }

  @Test
  void aBadValueFromAVariableOrAFileSaysSo() throws Exception {
    Path yaml = dir.resolve("executor.yaml");
    Files.writeString(yaml, "executor:\n  task-slots: many\n");
    HelidonSettings fromFile =
        HelidonSettings.load(Optional.of(yaml), Map.of("MESHWORK_EXECUTOR_LEDGER", "h:1"));
    HelidonSettings fromVariable =
        HelidonSettings.load(
            Optional.empty(),
            Map.of("MESHWORK_EXECUTOR_TASK_SLOTS", "-1", "MESHWORK_EXECUTOR_LEDGER", "h:1"));

    SettingsException file = assertThrows(SettingsException.class, () -> SCHEMA.check(fromFile));
    SettingsException variable =
        assertThrows(SettingsException.class, () -> SCHEMA.check(fromVariable));

    assertTrue(file.getMessage().contains("(from the file " + yaml + ")"), file.getMessage());
    assertTrue(
        variable
            .getMessage()
            .contains("'-1' (from the environment variable MESHWORK_EXECUTOR_TASK_SLOTS)"),
        variable.getMessage());
  }

  @Test
  void variablesOfTheScriptsAreNotSettings() {
    SCHEMA.check(
        HelidonSettings.load(
            Optional.empty(),
            Map.of(
                "MESHWORK_HOME", "/home/x/.meshwork",
                "MESHWORK_JAVA_OPTS", "-Xmx1g",
                "MESHWORK_TARGET", "localhost:50051",
                "MESHWORK_EXECUTOR_LEDGER", "h:1",
                "PATH", "/bin")));
  }

  @Test
  void aSchemaRefusesTwoKeysThatShareAVariable() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SettingsSchema.of(
                "x",
                List.of(
                    Setting.integer("grpc.max-bytes", 1, "A."),
                    Setting.integer("grpc.max.bytes", 1, "B."))));
  }

  @Test
  void closeMeansAFewEdits() {
    List<String> keys = List.of("ledger.dev-grant", "ledger.floor");

    assertEquals(Optional.of("ledger.dev-grant"), SettingsSchema.closest("ledger.devgrant", keys));
    assertEquals(Optional.of("ledger.floor"), SettingsSchema.closest("ledger.flor", keys));
    assertEquals(Optional.empty(), SettingsSchema.closest("orchestrator.peers", keys));
  }
}
