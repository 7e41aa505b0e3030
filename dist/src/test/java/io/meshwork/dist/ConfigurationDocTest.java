package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.executor.ExecutorSettings;
import io.meshwork.ledger.LedgerSettings;
import io.meshwork.orchestrator.JournalSettings;
import io.meshwork.orchestrator.KubernetesSettings;
import io.meshwork.orchestrator.MembershipSettings;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.orchestrator.RetentionSettings;
import io.meshwork.orchestrator.dashboard.DashboardSettings;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.HelidonSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.SettingsSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFIGURATION.md and the keys the services declare agree: the same keys under each heading,
 * with the same type, default and allowed values. The meaning column is prose and is not compared.
 */
class ConfigurationDocTest {
  private static final Path DOC = Path.of("..", "docs", "CONFIGURATION.md");

  /** Each heading of the page and the keys its table must list, in this order. */
  private static final Map<String, List<Setting<?>>> SECTIONS = new LinkedHashMap<>();

  static {
    SECTIONS.put("## Shared keys", SharedSettings.ALL);
    SECTIONS.put("## Roles", SharedSettings.ROLES);
    SECTIONS.put("## Ledger", LedgerSettings.KEYS);
    SECTIONS.put("## Receipt log", ReceiptSettings.KEYS);
    SECTIONS.put("## Executor", ExecutorSettings.KEYS);
    SECTIONS.put("## Orchestrator", OrchestratorSettings.KEYS);
    SECTIONS.put("## Membership", MembershipSettings.KEYS);
    SECTIONS.put("## Dashboard", DashboardSettings.KEYS);
    SECTIONS.put("## Kubernetes", KubernetesSettings.KEYS);
    SECTIONS.put("## Journal", JournalSettings.KEYS);
    SECTIONS.put("## Retention", RetentionSettings.KEYS);
  }

  /** One row of a table: key, type, default, allowed. */
  private record Row(String key, String type, String defaultText, String allowed) {
    static Row of(Setting<?> s) {
      return new Row(s.key(), s.type(), s.defaultText(), s.range());
    }

    String line() {
      return "| `" + key + "` | " + type + " | " + defaultText + " | " + allowed + " | ... |";
    }
  }

  @Test
  void theTablesListEveryDeclaredKeyWithItsTypeDefaultAndRange() throws IOException {
    Map<String, Map<String, Row>> documented = tables(Files.readAllLines(DOC));
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, List<Setting<?>>> section : SECTIONS.entrySet()) {
      Map<String, Row> doc = documented.getOrDefault(section.getKey(), Map.of());
      Map<String, Row> code = new LinkedHashMap<>();
      section.getValue().forEach(s -> code.put(s.key(), Row.of(s)));
      for (Row declared : code.values()) {
        Row written = doc.get(declared.key());
        if (written == null) {
          differences.add(
              section.getKey() + ": missing " + declared.key() + "; add " + declared.line());
        } else if (!written.equals(declared)) {
          differences.add(
              section.getKey()
                  + ": "
                  + declared.key()
                  + " reads "
                  + written.line()
                  + " but the code declares "
                  + declared.line());
        }
      }
      for (String key : doc.keySet()) {
        if (!code.containsKey(key)) {
          differences.add(section.getKey() + ": " + key + " is documented but not declared");
        }
      }
    }
    for (String heading : documented.keySet()) {
      if (!SECTIONS.containsKey(heading)) {
        differences.add("a table of keys under '" + heading + "', which is no service's section");
      }
    }
    assertTrue(
        differences.isEmpty(),
        DOC + " and the declared settings disagree:\n" + String.join("\n", differences));
  }

  @Test
  void theVariableRuleKnowsTheFamilyOfEveryKey() {
    TreeSet<String> families = new TreeSet<>();
    Stream.of(
            LedgerSettings.SCHEMA,
            ReceiptSettings.SCHEMA,
            ExecutorSettings.SCHEMA,
            OrchestratorSettings.SCHEMA)
        .map(SettingsSchema::settings)
        .flatMap(List::stream)
        .forEach(s -> families.add(s.key().split("\\.")[0]));

    assertEquals(families, new TreeSet<>(HelidonSettings.KEY_FAMILIES));
  }

  /** The rows of every table, by the heading ({@code ## ...}) above it, key by key. */
  private static Map<String, Map<String, Row>> tables(List<String> lines) {
    Map<String, Map<String, Row>> tables = new LinkedHashMap<>();
    String heading = "";
    for (String line : lines) {
      if (line.startsWith("## ")) {
        heading =
            SECTIONS.keySet().stream().filter(line::startsWith).findFirst().orElse(line.strip());
      } else if (line.startsWith("| `")) {
        String[] cells = line.split("\\|", -1);
        Row row = new Row(cell(cells[1]), cell(cells[2]), cell(cells[3]), cell(cells[4]));
        tables.computeIfAbsent(heading, h -> new LinkedHashMap<>()).put(row.key(), row);
      }
    }
    return tables;
  }

  // Backticks are formatting only: `sqlite` and sqlite are the same value.
  private static String cell(String text) {
    return text.replace("`", "").strip();
  }
}
