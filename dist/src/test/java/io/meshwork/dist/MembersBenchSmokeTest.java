package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code meshwork bench-members} with three members over one-second windows: they join, all are
 * live while measured, and both windows and their difference are reported. How much CPU is not
 * checked here; docs/BENCHMARKS.md has the figures of a real run.
 */
class MembersBenchSmokeTest {
  @Test
  void membersJoinAreLiveAndBothWindowsAreReported() {
    CommandLine cli = Meshwork.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int code =
        cli.execute(
            "bench-members", "--json", "--executors", "3", "--seconds", "1", "--warmup", "0");

    assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
    Map<String, Object> report =
        ((MembersBenchCommand) cli.getSubcommands().get("bench-members").getCommand()).lastReport;
    assertEquals(3, report.get("members"));
    assertEquals(3L, report.get("members_live_at_end"));
    assertTrue((double) report.get("core_share_with_members") > 0, report.toString());
    String json = out.toString().strip();
    for (String key :
        new String[] {
          "\"members\":3",
          "\"members_live_at_end\":3",
          "\"core_share_without_members\":",
          "\"membership_share_of_a_core\":",
          "\"goal_share_of_a_core\":0.02"
        }) {
      assertTrue(json.contains(key), key + " in " + json);
    }
  }
}
