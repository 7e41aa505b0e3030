package io.meshwork.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.orchestrator.store.JournalDatabase;
import io.meshwork.orchestrator.store.JournalStores;
import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the journals are kept: SQLite files by default, PostgreSQL only with a URL for it. */
class JournalSettingsTest {
  @TempDir Path dir;

  private JournalStores journals(Map<String, String> settings) {
    return JournalSettings.journals(new MapSettings(settings), dir);
  }

  @Test
  void byDefaultTheJournalsAreSqliteFilesInTheDataFolder() {
    assertEquals(JournalStores.sqlite(dir), journals(Map.of()));
    assertEquals(
        new JournalStores(
            JournalDatabase.sqlite(dir.resolve("orchestrator.db")),
            JournalDatabase.sqlite(dir.resolve("membership.db"))),
        journals(Map.of("orchestrator.store", "sqlite")));
  }

  @Test
  void postgresKeepsBothJournalsInTheOneDatabase() {
    JournalStores journals =
        journals(
            Map.of(
                "orchestrator.store", "postgres",
                "orchestrator.postgres.url", "jdbc:postgresql://db:5432/orchestrator",
                "orchestrator.postgres.password", "secret"));
    JournalDatabase expected =
        JournalDatabase.postgres("jdbc:postgresql://db:5432/orchestrator", "meshwork", "secret");
    assertEquals(new JournalStores(expected, expected), journals);
    assertEquals("jdbc:postgresql://db:5432/orchestrator", expected.toString());
  }

  @Test
  void postgresWithoutAUrlOrWithAnotherKindOfUrlStopsTheOrchestratorAtStart() {
    SettingsException unset =
        assertThrows(
            SettingsException.class,
            () ->
                InProcessHost.start(
                    "orchestrator",
                    OrchestratorSettings.SCHEMA,
                    new MapSettings(
                        Map.of(
                            "data-dir", dir.toString(),
                            "orchestrator.ledger", "ledger",
                            "orchestrator.receipts", "receipts",
                            "orchestrator.store", "postgres")),
                    OrchestratorService::create));
    assertEquals(
        "setting 'orchestrator.postgres.url' is unset; orchestrator.store=postgres needs it as"
            + " jdbc:postgresql://HOST:PORT/DATABASE",
        unset.getMessage());
    assertFalse(Files.exists(dir.resolve("orchestrator.db")), "no SQLite journal instead");

    SettingsException other =
        assertThrows(
            SettingsException.class,
            () ->
                journals(
                    Map.of(
                        "orchestrator.store", "postgres",
                        "orchestrator.postgres.url", "postgres://db/orchestrator")));
    assertEquals(
        "setting 'orchestrator.postgres.url' is 'postgres://db/orchestrator';"
            + " orchestrator.store=postgres needs it as jdbc:postgresql://HOST:PORT/DATABASE",
        other.getMessage());
  }

  @Test
  void aUrlGivenToTheSqliteJournalIsRefusedRatherThanIgnored() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> journals(Map.of("orchestrator.postgres.url", "jdbc:postgresql://db/o")));
    assertEquals(
        "setting 'orchestrator.postgres.url' is set but 'orchestrator.store' is sqlite; set"
            + " orchestrator.store=postgres to keep the journals there, or remove it",
        e.getMessage());
  }
}
