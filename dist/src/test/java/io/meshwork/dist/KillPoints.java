package io.meshwork.dist;

import io.meshwork.orchestrator.jobs.SettlementGaps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Test code on the orchestrator's class path (found through {@code META-INF/services}) that halts
 * the process at a gap of a task's settlement, as a crash at that instant would. It acts only in a
 * process whose environment names an arming file ({@value #ARM}): when that file names the gap
 * reached ({@code AFTER_ANCHOR}, {@code AFTER_JOURNAL}, {@code AFTER_PAY}), it deletes the file,
 * appends the gap and the task to the file beside it ending in {@code .fired}, and halts the JVM
 * without running shutdown hooks. The shipped product has no implementation of the interface.
 */
public final class KillPoints implements SettlementGaps {
  /** The environment variable that names the arming file. */
  static final String ARM = "MESHWORK_TEST_KILL_POINT_FILE";

  private final Path armed;

  /** Reads the arming file's name from the environment, once. */
  public KillPoints() {
    String file = System.getenv(ARM);
    this.armed = file == null ? null : Path.of(file);
  }

  /** Arms {@code file} to halt the orchestrator at {@code gap}. */
  static void arm(Path file, Gap gap) throws IOException {
    Files.writeString(file, gap.name());
  }

  /** What fired so far, one line per halt: the gap and the task. */
  static String fired(Path file) throws IOException {
    Path f = file.resolveSibling(file.getFileName() + ".fired");
    return Files.exists(f) ? Files.readString(f) : "";
  }

  @Override
  public void reached(Gap gap, String taskId) {
    if (armed == null) {
      return;
    }
    synchronized (KillPoints.class) {
      try {
        if (!Files.exists(armed) || !Files.readString(armed).trim().equals(gap.name())) {
          return;
        }
        Files.delete(armed);
        Files.writeString(
            armed.resolveSibling(armed.getFileName() + ".fired"),
            gap.name() + " " + taskId + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.SYNC);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().halt(137);
    }
  }
}
