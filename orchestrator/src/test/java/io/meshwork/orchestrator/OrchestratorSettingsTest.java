package io.meshwork.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
    return ServiceHost.start(
        "orchestrator",
        OrchestratorSettings.SCHEMA,
        settings,
        OrchestratorService::create,
        InProcessServerBuilder.forName(InProcessServerBuilder.generateName()),
        target -> InProcessChannelBuilder.forName(target).build(),
        ServiceMetrics.none(),
        Clock.systemUTC());
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

  /**
   * Giving each key its declared default changes nothing in what {@link OrchestratorOptions} reads,
   * so the declarations and the code agree on every default (and on the type: the code parses the
   * declared default text). Defaults in words (a cap defaults to its limit) are given as the value
   * they stand for.
   */
  @Test
  void theDeclaredDefaultsAreTheOnesTheOptionsRead() {
    Map<String, String> base = Map.of("orchestrator.ledger", "l:1", "orchestrator.receipts", "r:1");
    OrchestratorOptions defaults = OrchestratorOptions.from(new MapSettings(base));
    List<String> differing = new ArrayList<>();
    for (Setting<?> s : OrchestratorSettings.KEYS) {
      String value = s.defaultText();
      if (s.required() || value.equals("(empty)")) {
        continue;
      }
      if (value.startsWith("limits.")) {
        value = OrchestratorSettings.SCHEMA.setting(value).orElseThrow().defaultText();
      }
      Map<String, String> given = new HashMap<>(base);
      given.put(s.key(), value);
      if (!OrchestratorOptions.from(new MapSettings(given)).equals(defaults)) {
        differing.add(s.key() + "=" + value);
      }
    }
    assertEquals(List.of(), differing);
  }

  /**
   * Every key the orchestrator's code names is declared, so none can be refused at start while the
   * code still reads it. The keys built at run time ({@code "limits." + name}) are declared one by
   * one and checked by the tests above.
   */
  @Test
  void everyKeyTheCodeNamesIsDeclared() throws IOException {
    Pattern key = Pattern.compile("\"((?:orchestrator|rfc0016|limits)\\.[a-z0-9.-]*[a-z0-9])\"");
    TreeSet<String> undeclared = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = key.matcher(Files.readString(f));
        while (m.find()) {
          if (!OrchestratorSettings.SCHEMA.declares(m.group(1))
              && !m.group(1).equals("orchestrator.db")) {
            undeclared.add(m.group(1) + " in " + f.getFileName());
          }
        }
      }
    }
    assertEquals(new TreeSet<String>(), undeclared);
  }
}
