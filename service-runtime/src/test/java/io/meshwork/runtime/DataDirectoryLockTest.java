package io.meshwork.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process per data directory and service name, released however the holder ends. */
class DataDirectoryLockTest {
  @TempDir Path dir;

  @Test
  void aSecondHolderInThisProcessIsRefusedWithTheDirectoryAndThePid() {
    try (DataDirectoryLock first = DataDirectoryLock.acquire(dir, "ledger")) {
      StartRefusedException refused =
          assertThrows(StartRefusedException.class, () -> DataDirectoryLock.acquire(dir, "ledger"));
      String message = refused.getMessage();
      assertTrue(message.contains(dir.toAbsolutePath().toString()), message);
      assertTrue(message.contains("another ledger service"), message);
      assertTrue(message.contains("pid " + ProcessHandle.current().pid() + " on host "), message);
      assertTrue(message.contains(", started 20"), message);
      assertFalse(message.contains("\n"), "one line: " + message);
      // Another service's lock in the same directory is its own.
      DataDirectoryLock.acquire(dir, "receipts").close();
    }
    // Closed: the next one takes it.
    DataDirectoryLock.acquire(dir, "ledger").close();
  }

  @Test
  void anotherProcessIsNamedAndItsLockGoesWithItOnKill9() throws Exception {
    Path data = dir.resolve("not-yet-created");
    Process holder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx32m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    DataDirectoryLockHolder.class.getName(),
                    data.toString(),
                    "orchestrator"))
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertTrue(line != null && line.startsWith("locked "), "the holder says: " + line);

      StartRefusedException refused =
          assertThrows(
              StartRefusedException.class, () -> DataDirectoryLock.acquire(data, "orchestrator"));
      assertTrue(
          refused
              .getMessage()
              .contains("another orchestrator service (pid " + holder.pid() + " on host "),
          refused.getMessage());
      assertTrue(refused.getMessage().contains(data.toAbsolutePath().toString()));

      holder.destroyForcibly(); // SIGKILL: no shutdown hook, no close
      assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
      assertTrue(Files.exists(data.resolve("orchestrator.lock")), "the file stays behind");
      try (DataDirectoryLock mine = DataDirectoryLock.acquire(data, "orchestrator")) {
        String text = Files.readString(mine.file());
        assertEquals(
            "pid " + ProcessHandle.current().pid(), text.substring(0, text.indexOf(" on host")));
      }
    } finally {
      holder.destroyForcibly();
    }
  }
}
