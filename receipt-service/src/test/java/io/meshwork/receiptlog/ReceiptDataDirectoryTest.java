package io.meshwork.receiptlog;

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
 * One receipt log per SQLite data directory: a second appender would sign checkpoints of a tree it
 * never saw, so it refuses to start, naming the directory and the holder.
 */
class ReceiptDataDirectoryTest {
  @TempDir Path dir;

  private ServiceHost start() {
    return InProcessHost.start(
        "receipts",
        ReceiptSettings.SCHEMA,
        new MapSettings(Map.of("data-dir", dir.toString())),
        ReceiptService::create);
  }

  @Test
  void aSecondLogOnTheSameDirectoryIsRefusedUntilTheFirstStops() {
    String verifierKey;
    ServiceHost first = start();
    try {
      verifierKey = ((ReceiptService) first.service()).log().verifierKey();
      StartRefusedException refused = assertThrows(StartRefusedException.class, this::start);
      assertTrue(
          refused
              .getMessage()
              .startsWith(
                  "the data directory "
                      + dir.toAbsolutePath()
                      + " is in use by another receipts service (pid "
                      + ProcessHandle.current().pid()
                      + " on host "),
          refused.getMessage());
    } finally {
      first.close();
    }
    try (ServiceHost second = start()) {
      assertEquals(verifierKey, ((ReceiptService) second.service()).log().verifierKey());
    }
  }
}
