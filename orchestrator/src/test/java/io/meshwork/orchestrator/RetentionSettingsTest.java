package io.meshwork.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JobRetention;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How long finished jobs stay: 30 days by default, never less than a second, read once. */
class RetentionSettingsTest {
  @Test
  void theDefaultsKeepFinishedJobsThirtyDaysAndSweepHourly() {
    assertEquals(
        new JobRetention.Options(Duration.ofDays(30), Duration.ofHours(1)),
        RetentionSettings.options(new MapSettings(Map.of())));
    assertEquals(
        new JobRetention.Options(Duration.ofSeconds(90), Duration.ofMillis(250)),
        RetentionSettings.options(
            new MapSettings(
                Map.of(
                    "orchestrator.retention.finished-jobs", "PT90S",
                    "orchestrator.retention.compact-interval", "250"))));
  }

  @Test
  void aRetentionBelowItsFloorStopsTheOrchestratorAtStartNamingTheKey() {
    for (Map.Entry<String, String> bad :
        Map.of(
                "orchestrator.retention.finished-jobs", "999",
                "orchestrator.retention.compact-interval", "PT0S")
            .entrySet()) {
      SettingsException e =
          assertThrows(
              SettingsException.class,
              () ->
                  OrchestratorSettings.SCHEMA.check(
                      new MapSettings(Map.of(bad.getKey(), bad.getValue()))),
              bad.toString());
      assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
    }
  }
}
