package io.meshwork.orchestrator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.StartRefusedException;
import io.meshwork.runtime.config.MapSettings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One orchestrator per data directory: a second one on the same journal files refuses to start,
 * naming the directory and the holder; once the first stopped, the next starts.
 */
class OrchestratorDataDirectoryTest {
  @TempDir Path dir;

  private ServiceHost start(Path dataDir) {
    return InProcessHost.start(
        "orchestrator",
        OrchestratorSettings.SCHEMA,
        new MapSettings(
            Map.of(
                "data-dir", dataDir.toString(),
                "orchestrator.local-slots", "0",
                // Nothing here reaches them.
                "orchestrator.ledger", "127.0.0.1:1",
                "orchestrator.receipts", "127.0.0.1:1")),
        OrchestratorService::create);
  }

  @Test
  void aSecondOrchestratorOnTheSameDirectoryIsRefusedUntilTheFirstStops() {
    Path data = dir.resolve("data");
    ServiceHost first = start(data);
    try {
      StartRefusedException refused = assertThrows(StartRefusedException.class, () -> start(data));
      assertTrue(
          refused
              .getMessage()
              .startsWith(
                  "the data directory "
                      + data.toAbsolutePath()
                      + " is in use by another orchestrator service (pid "
                      + ProcessHandle.current().pid()
                      + " on host "),
          refused.getMessage());
    } finally {
      first.close();
    }
    start(data).close();
  }
}
