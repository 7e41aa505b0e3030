package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.HistoryEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code meshwork ledger}: the caller's mana ledger; its subcommands say what to show. */
@Command(
    name = "ledger",
    description = "Look at your mana ledger.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = LedgerCommand.History.class)
final class LedgerCommand {

  /** {@code meshwork ledger history}: the caller's ledger entries, newest first. */
  @Command(name = "history", description = "List your ledger entries, newest first.")
  static final class History implements Callable<Integer> {
    private static final String[] HEADER = {
      "TIME", "KIND", "DELTA", "HELD", "BALANCE", "COUNTERPARTY", "JOB"
    };

    @Spec private CommandSpec spec;

    @Option(names = "--job", paramLabel = "ID", description = "Only the entries of this job.")
    private String jobId;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "20",
        description = "Show at most N entries (default: ${DEFAULT-VALUE}).")
    private int limit;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
      }
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        List<HistoryEntry> entries = mesh.history(Optional.ofNullable(jobId), limit);
        if (cli.json()) {
          Map<String, Object> json = Json.object();
          json.put("did", mesh.did());
          json.put("entries", entries.stream().map(History::entryJson).toList());
          cli.out().println(Json.write(json));
        } else if (entries.isEmpty()) {
          cli.out().println(jobId == null ? "no ledger entries" : "no ledger entries for " + jobId);
        } else {
          printTable(cli, entries);
        }
        cli.out().flush();
        return 0;
      }
    }

    private static void printTable(MeshCli cli, List<HistoryEntry> entries) {
      List<String[]> rows = new ArrayList<>();
      rows.add(HEADER);
      for (HistoryEntry entry : entries) {
        rows.add(
            new String[] {
              JobViews.time(entry.getAt()),
              kind(entry.getKind()),
              signed(entry.getBalanceDelta()),
              signed(entry.getHeldDelta()),
              Long.toString(entry.getBalanceAfter()),
              entry.getCounterpartyDid().isEmpty()
                  ? "-"
                  : JobViews.shortDid(entry.getCounterpartyDid()),
              entry.getJobId().isEmpty() ? "-" : entry.getJobId()
            });
      }
      int[] widths = new int[HEADER.length];
      for (String[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          // Amounts read best right-aligned; words left-aligned.
          boolean number = i >= 2 && i <= 4;
          String cell =
              number
                  ? " ".repeat(widths[i] - row[i].length()) + row[i]
                  : row[i] + " ".repeat(widths[i] - row[i].length());
          line.append(cell);
          if (i < row.length - 1) {
            line.append("  ");
          }
        }
        cli.out().println(line.toString().stripTrailing());
      }
    }

    private static Map<String, Object> entryJson(HistoryEntry entry) {
      Map<String, Object> json = Json.object();
      json.put("entry_id", entry.getEntryId());
      json.put("at", entry.getAt());
      json.put("kind", kind(entry.getKind()));
      json.put("balance_delta", entry.getBalanceDelta());
      json.put("held_delta", entry.getHeldDelta());
      json.put("balance_after", entry.getBalanceAfter());
      json.put("held_after", entry.getHeldAfter());
      json.put("counterparty_did", entry.getCounterpartyDid());
      json.put("job_id", entry.getJobId());
      json.put("hold_id", entry.getHoldId());
      json.put("task_id", entry.getTaskId());
      json.put("memo", entry.getMemo());
      json.put("request_id", entry.getRequestId());
      return json;
    }

    private static String kind(EntryKind kind) {
      return switch (kind) {
        case ENTRY_KIND_MINT -> "mint";
        case ENTRY_KIND_HOLD -> "hold";
        case ENTRY_KIND_POST -> "post";
        case ENTRY_KIND_RELEASE -> "release";
        case ENTRY_KIND_EXPIRE -> "expire";
        case ENTRY_KIND_TRANSFER -> "transfer";
        case ENTRY_KIND_REGENERATE -> "regenerate";
        default -> kind.name().toLowerCase(Locale.ROOT);
      };
    }

    private static String signed(long amount) {
      return amount > 0 ? "+" + amount : Long.toString(amount);
    }
  }
}
