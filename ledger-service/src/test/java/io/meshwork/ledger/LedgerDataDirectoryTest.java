package io.meshwork.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * One ledger per SQLite data directory: a second one refuses to start, naming the directory and the
 * holder, and a ledger that stopped lets the next one in. (dist's {@code
 * DataDirectoryLockProcessTest} does the same across processes, with {@code kill -9}.)
 */
class LedgerDataDirectoryTest {
  @TempDir Path dir;

  private ServiceHost start() {
    return InProcessHost.start(
        "ledger",
        LedgerSettings.SCHEMA,
        new MapSettings(Map.of("data-dir", dir.toString())),
        LedgerService::create);
  }

  @Test
  void aSecondLedgerOnTheSameDirectoryIsRefusedUntilTheFirstStops() {
    ServiceHost first = start();
    try {
      ((LedgerService) first.service()).ledger().mint("m1", "did:key:alice", 5, "");
      StartRefusedException refused = assertThrows(StartRefusedException.class, this::start);
      assertTrue(
          refused
              .getMessage()
              .startsWith(
                  "the data directory "
                      + dir.toAbsolutePath()
                      + " is in use by another ledger service (pid "
                      + ProcessHandle.current().pid()
                      + " on host "),
          refused.getMessage());
    } finally {
      first.close();
    }
    try (ServiceHost second = start()) {
      assertEquals(
          5, ((LedgerService) second.service()).ledger().account("did:key:alice").balance());
    }
  }
}
