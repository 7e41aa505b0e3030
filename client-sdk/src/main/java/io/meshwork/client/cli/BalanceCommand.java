package io.meshwork.client.cli;

import io.meshwork.client.Balance;
import io.meshwork.client.MeshClient;
import io.meshwork.ledger.v1.Hold;
import io.meshwork.ledger.v1.Regeneration;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork balance}: prints the caller's mana account: balance, what is held and by which
 * jobs, what is available, the floor, and how the account regains mana.
 */
@Command(
    name = "balance",
    description =
        "Print your mana: balance, held for jobs (and by which holds), available, floor,"
            + " regeneration.")
final class BalanceCommand implements Callable<Integer> {
  private static final String[] HOLDS_HEADER = {"HOLD", "JOB", "HELD", "POSTED", "EXPIRES"};

  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    try (MeshClient mesh = cli.connect()) {
      Balance balance = mesh.balance();
      if (cli.json()) {
        cli.out().println(Json.write(json(balance)));
      } else {
        print(cli.out(), balance);
      }
      cli.out().flush();
      return 0;
    }
  }

  private static void print(PrintWriter out, Balance b) {
    int holds = b.pendingHolds().size();
    out.printf("did           %s%n", b.getDid());
    out.printf("balance       %d mana%n", b.getBalance());
    if (b.getHeld() == 0) {
      out.printf("held          0 mana%n");
    } else {
      // The ledger lists at most 100 holds; say so rather than let the count look exact.
      String count = holds >= 100 ? "100 or more" : Integer.toString(holds);
      out.printf(
          "held          %d mana, in %s pending hold%s%n",
          b.getHeld(), count, holds == 1 ? "" : "s");
    }
    out.printf("available     %d mana%n", b.getAvailable());
    out.printf("floor         %d mana (available may not go below it)%n", b.getFloor());
    out.printf("regeneration  %s%n", regenerationText(b));
    if (holds > 0) {
      out.println();
      out.println("pending holds (mana reserved for running jobs)");
      List<String[]> rows = new ArrayList<>();
      rows.add(HOLDS_HEADER);
      for (Hold h : b.pendingHolds()) {
        rows.add(
            new String[] {
              h.getHoldId(),
              h.getJobId(),
              Long.toString(h.getRemaining()),
              Long.toString(h.getPosted()),
              JobViews.time(h.getExpiresAt())
            });
      }
      printTable(out, rows);
    }
  }

  /** One line a person can read: the rule, and where this account stands in it. */
  private static String regenerationText(Balance b) {
    Regeneration rule = b.regeneration();
    if (!b.regenerationEnabled()) {
      return "off";
    }
    String rate =
        rule.getAmount()
            + " mana every "
            + duration(Duration.ofMillis(rule.getIntervalMs()))
            + ", up to "
            + rule.getCap()
            + " mana";
    if (!b.regenerating()) {
      return rate + "; paused: the balance is at or above the cap";
    }
    return rate
        + "; next unit within "
        + duration(b.nextUnitWithin().orElseThrow())
        + ", full in about "
        + duration(b.fullIn().orElseThrow());
  }

  private static Map<String, Object> json(Balance b) {
    Map<String, Object> json = Json.object();
    json.put("did", b.getDid());
    json.put("balance", b.getBalance());
    json.put("held", b.getHeld());
    json.put("available", b.getAvailable());
    json.put("floor", b.getFloor());
    List<Map<String, Object>> holds = new ArrayList<>();
    for (Hold h : b.pendingHolds()) {
      Map<String, Object> hold = Json.object();
      hold.put("hold_id", h.getHoldId());
      hold.put("job_id", h.getJobId());
      hold.put("amount", h.getAmount());
      hold.put("posted", h.getPosted());
      hold.put("held", h.getRemaining());
      hold.put("created_at", h.getCreatedAt());
      hold.put("expires_at", h.getExpiresAt());
      holds.add(hold);
    }
    json.put("pending_holds", holds);
    Map<String, Object> regeneration = Json.object();
    regeneration.put("amount", b.regeneration().getAmount());
    regeneration.put("interval_ms", b.regeneration().getIntervalMs());
    regeneration.put("cap", b.regeneration().getCap());
    regeneration.put("regenerating", b.regenerating());
    b.nextUnitWithin().ifPresent(d -> regeneration.put("next_unit_within_ms", d.toMillis()));
    b.fullIn().ifPresent(d -> regeneration.put("full_in_ms", d.toMillis()));
    json.put("regeneration", regeneration);
    return json;
  }

  /** A duration as a person says it: "429 ms", "3 s", "2 min 5 s", "1 h 30 min", "2 d 4 h". */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1_000) {
      return ms + " ms";
    }
    long s = (ms + 999) / 1_000;
    if (s < 60) {
      return s + " s";
    }
    if (s < 3_600) {
      return pair(s / 60, "min", s % 60, "s");
    }
    long m = (s + 59) / 60;
    if (m < 1_440) {
      return pair(m / 60, "h", m % 60, "min");
    }
    long h = (m + 59) / 60;
    return pair(h / 24, "d", h % 24, "h");
  }

  private static String pair(long big, String bigUnit, long small, String smallUnit) {
    return small == 0 ? big + " " + bigUnit : big + " " + bigUnit + " " + small + " " + smallUnit;
  }

  private static void printTable(PrintWriter out, List<String[]> rows) {
    int[] widths = new int[HOLDS_HEADER.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        // Amounts read best right-aligned; words left-aligned.
        boolean number = i == 2 || i == 3;
        String pad = " ".repeat(widths[i] - row[i].length());
        line.append(number ? pad + row[i] : row[i] + pad);
        if (i < row.length - 1) {
          line.append("  ");
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
