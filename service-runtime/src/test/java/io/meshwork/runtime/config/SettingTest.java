package io.meshwork.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parsing, defaults, ranges and the messages of a bad value. */
class SettingTest {
  private static final Setting<Integer> PORT =
      Setting.integer("demo.port", 0, "A port.").between(0, 65_535);

  private static Settings given(String key, String value) {
    return new MapSettings(Map.of(key, value));
  }

  private static final Settings NONE = new MapSettings(Map.of());

  @Test
  void anUnsetKeyReadsAsItsDefault() {
    assertEquals(0, NONE.get(PORT));
    assertEquals("0", PORT.defaultText());
    assertEquals(8080, given("demo.port", " 8080 ").get(PORT));
  }

  @Test
  void aValueOfTheWrongTypeIsRefusedNamingKeyValueAndWhatIsAllowed() {
    SettingsException e =
        assertThrows(SettingsException.class, () -> given("demo.port", "eighty").get(PORT));

    assertEquals(
        "setting 'demo.port' has the invalid value 'eighty'; allowed: an integer, from 0 to 65535",
        e.getMessage());
  }

  @Test
  void aValueOutOfRangeIsRefused() {
    SettingsException e =
        assertThrows(SettingsException.class, () -> given("demo.port", "70000").get(PORT));

    assertTrue(e.getMessage().contains("'70000'"), e.getMessage());
    assertTrue(e.getMessage().endsWith("from 0 to 65535"), e.getMessage());
    assertEquals(65_535, given("demo.port", "65535").get(PORT));
  }

  @Test
  void rangesChoicesAndChecksSayWhatTheyAllow() {
    Setting<Long> atLeast = Setting.longValue("demo.size", 1, "A size.").atLeast(1L);
    Setting<String> store =
        Setting.string("demo.store", "sqlite", "A store.").oneOf("sqlite", "postgres");
    Setting<Double> rate =
        Setting.decimal("demo.rate", 0.5, "A rate.").check(r -> r > 0, "greater than 0");

    assertEquals("at least 1", atLeast.range());
    assertEquals("one of sqlite, postgres", store.range());
    assertEquals("greater than 0", rate.range());
    assertEquals("", Setting.flag("demo.on", false, "On.").range());
    assertThrows(SettingsException.class, () -> given("demo.size", "0").get(atLeast));
    assertThrows(SettingsException.class, () -> given("demo.store", "mysql").get(store));
    assertThrows(SettingsException.class, () -> given("demo.rate", "0").get(rate));
    assertEquals("postgres", given("demo.store", "postgres").get(store));
  }

  @Test
  void eachTypeParsesAsTheTypedGettersOfSettingsDo() {
    Setting<Boolean> flag = Setting.flag("demo.on", false, "On.");
    Setting<Duration> duration = Setting.duration("demo.wait", Duration.ofHours(1), "Wait.");
    Setting<Duration> millis = Setting.millis("demo.wait-ms", 500, "Wait.");
    Setting<List<String>> list = Setting.list("demo.peers", "Peers.");
    Setting<Double> decimal = Setting.decimal("demo.weight", 1, "Weight.");

    assertTrue(given("demo.on", "true").get(flag));
    assertThrows(SettingsException.class, () -> given("demo.on", "yes").get(flag));
    assertEquals(Duration.ofMillis(1500), given("demo.wait", "1500").get(duration));
    assertEquals(Duration.ofMillis(1500), given("demo.wait", "PT1.5S").get(duration));
    assertThrows(SettingsException.class, () -> given("demo.wait", "1.5s").get(duration));
    assertEquals("PT1H", duration.defaultText());
    assertEquals("500", millis.defaultText());
    assertEquals(List.of("a:1", "b:2"), given("demo.peers", " a:1, ,b:2 ").get(list));
    assertEquals("(empty)", list.defaultText());
    assertEquals(1e6, given("demo.weight", "1e6").get(decimal));
    assertThrows(SettingsException.class, () -> given("demo.weight", "NaN").get(decimal));
    assertEquals("1", decimal.defaultText());
  }

  @Test
  void textIsTakenAsGiven() {
    Setting<String> password = Setting.string("demo.password", "", "A password.");

    assertEquals(" secret ", given("demo.password", " secret ").get(password));
    assertEquals("(empty)", password.defaultText());
  }

  @Test
  void pairsParseIntoAMapAndRefuseAnItemWithoutAnEqualsSign() {
    Setting<Map<String, Double>> weights =
        Setting.pairs("demo.weights", "operation=weight", Double::parseDouble, "Weights.")
            .check(m -> m.values().stream().allMatch(w -> w > 0), "positive weights");

    assertEquals(
        Map.of("matmul", 8.0, "sha256", 2.0),
        given("demo.weights", "matmul=8, sha256=2").get(weights));
    assertEquals("list of operation=weight", weights.type());
    SettingsException e =
        assertThrows(SettingsException.class, () -> given("demo.weights", "matmul").get(weights));
    assertTrue(
        e.getMessage()
            .endsWith("allowed: a comma-separated list of operation=weight, positive weights"),
        e.getMessage());
    assertThrows(SettingsException.class, () -> given("demo.weights", "a=-1").get(weights));
  }

  @Test
  void optionalAndRequiredKeys() {
    Setting<Optional<String>> advertise =
        Setting.optionalString("demo.advertise", "host:port", "Where to be reached.");
    Setting<Optional<Path>> key = Setting.optionalPath("demo.key", "data-dir/x.key", "A key.");
    Setting<String> ledger = Setting.requiredString("demo.ledger", "The ledger's address.");

    assertEquals(Optional.empty(), NONE.get(advertise));
    assertEquals(Optional.of("h:1"), given("demo.advertise", "h:1").get(advertise));
    assertEquals(Optional.of(Path.of("/k")), given("demo.key", "/k").get(key));
    assertEquals("host:port", advertise.defaultText());
    assertFalse(advertise.required());
    assertTrue(ledger.required());
    SettingsException e = assertThrows(SettingsException.class, () -> NONE.get(ledger));
    assertEquals(
        "setting 'demo.ledger' is required but not set (The ledger's address)", e.getMessage());
  }

  @Test
  void aComputedDefaultReadsTheSettingsItDependsOn() {
    Setting<Integer> slots = Setting.integer("demo.slots", 4, "Slots.").atLeast(1);
    Setting<Integer> queue =
        Setting.integer("demo.queue", "4 × demo.slots", s -> 4 * s.get(slots), "Queue.");

    assertEquals(16, NONE.get(queue));
    assertEquals(8, given("demo.slots", "2").get(queue));
    assertEquals(3, given("demo.queue", "3").get(queue));
    assertEquals("4 × demo.slots", queue.defaultText());
  }

  @Test
  void aDeclarationThatContradictsItselfFailsAtOnce() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Setting.integer("demo.port", -1, "A port.").between(0, 65_535));
    assertThrows(IllegalArgumentException.class, () -> Setting.integer("Demo.Port", 0, "A port."));
    assertThrows(IllegalArgumentException.class, () -> Setting.integer("demo.port", 0, " "));
    assertThrows(
        IllegalArgumentException.class,
        () -> Setting.list("demo.peers", "Peers.").atLeast(List.of()));
  }

  @Test
  void durationBoundsReadInMillisecondsWhenShort() {
    assertEquals(
        "at least 1 ms",
        Setting.duration("demo.wait", Duration.ofSeconds(1), "Wait.")
            .atLeast(Duration.ofMillis(1))
            .range());
    assertEquals(
        "from 1 ms to PT720H",
        Setting.duration("demo.hold", Duration.ofHours(1), "Hold.")
            .between(Duration.ofMillis(1), Duration.ofDays(30))
            .range());
  }
}
