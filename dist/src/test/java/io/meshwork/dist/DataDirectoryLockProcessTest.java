package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.runtime.tls.CertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ledger process per SQLite data directory, across real processes: a second {@code meshwork
 * serve ledger} on the same directory exits at once with status 2 and one line naming the directory
 * and the first process; after the first is killed with SIGKILL (no shutdown hook runs), the next
 * one starts on the same files.
 */
class DataDirectoryLockProcessTest {
  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSecondLedgerExitsNamingTheFirstAndKillNineLetsTheNextOneIn() throws Exception {
    Path ca = dir.resolve("tls");
    CertificateAuthority.loadOrCreate(ca);
    Path data = dir.resolve("ledger");

    int firstPort = MeshFixtures.freePort();
    Process first = ledger(data, firstPort, "first");
    MeshFixtures.awaitServing(firstPort, ca, Duration.ofSeconds(180), first);

    Process second = ledger(data, MeshFixtures.freePort(), "second");
    assertTrue(second.waitFor(120, TimeUnit.SECONDS), "the second ledger exits by itself");
    assertEquals(2, second.exitValue());
    List<String> refusals =
        Files.readAllLines(dir.resolve("second.log")).stream()
            .filter(l -> l.startsWith("meshwork: ledger: "))
            .toList();
    assertEquals(1, refusals.size(), "one line: " + refusals);
    String line = refusals.get(0);
    assertTrue(
        line.startsWith(
            "meshwork: ledger: the data directory "
                + data.toAbsolutePath()
                + " is in use by another ledger service (pid "
                + first.pid()
                + " on host "),
        line);
    assertTrue(line.contains(", started 20"), line);
    assertTrue(first.isAlive(), "the first ledger is untouched");

    first.destroyForcibly();
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    int thirdPort = MeshFixtures.freePort();
    Process third = ledger(data, thirdPort, "third");
    MeshFixtures.awaitServing(thirdPort, ca, Duration.ofSeconds(180), third);
  }

  private Process ledger(Path data, int port, String name) throws Exception {
    List<String> command = TestJvm.java("128m");
    command.add(Meshwork.class.getName());
    command.addAll(List.of("serve", "ledger"));
    for (String kv :
        List.of(
            "grpc.port=" + port,
            "admin.port=-1",
            "data-dir=" + data,
            "tls.dev-ca=" + dir.resolve("tls"))) {
      command.add("--set");
      command.add(kv);
    }
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    started.add(p);
    return p;
  }
}
