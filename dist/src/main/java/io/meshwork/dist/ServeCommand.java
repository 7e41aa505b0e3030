package io.meshwork.dist;

import io.meshwork.executor.ExecutorMain;
import io.meshwork.ledger.LedgerMain;
import io.meshwork.orchestrator.OrchestratorMain;
import io.meshwork.receiptlog.ReceiptMain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * {@code meshwork serve SERVICE [--config FILE] [--set key=value ...]}: runs one service as its own
 * process, the way the Kubernetes manifests run each deployable. The executor also takes {@code
 * --join HOST:PORT [--join-token TOKEN] [--advertise HOST:PORT]} to join an orchestrator.
 */
@Command(
    name = "serve",
    description = "Run one service in this process: orchestrator, executor, ledger or receipts.")
final class ServeCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "orchestrator | executor | ledger | receipts")
  String service;

  // Handed to the service's own main unparsed: it owns --config and --set.
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() {
    String[] rest = args.toArray(String[]::new);
    switch (service) {
      case "orchestrator" -> OrchestratorMain.main(rest);
      case "executor" -> ExecutorMain.main(executorArgs(rest));
      case "ledger" -> LedgerMain.main(rest);
      case "receipts" -> ReceiptMain.main(rest);
      default -> {
        System.err.println(
            "meshwork: unknown service '"
                + service
                + "'; expected orchestrator, executor, ledger or receipts");
        return 2;
      }
    }
    return 0;
  }

  // The executor's joining flags, as the settings they stand for; the rest passes unchanged.
  private static final Map<String, String> EXECUTOR_FLAGS =
      Map.of(
          "--join", "executor.join",
          "--join-token", "executor.join-token",
          "--advertise", "grpc.advertise");

  /**
   * {@code --join HOST:PORT}, {@code --join-token TOKEN} and {@code --advertise HOST:PORT} as the
   * {@code --set} the executor's main reads; a flag without its value is left for it to refuse.
   */
  static String[] executorArgs(String[] args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String key = EXECUTOR_FLAGS.get(args[i]);
      if (key != null && i + 1 < args.length) {
        out.add("--set");
        out.add(key + "=" + args[++i]);
      } else {
        out.add(args[i]);
      }
    }
    return out.toArray(String[]::new);
  }
}
