package io.meshwork.dist;

import io.meshwork.executor.ExecutorMain;
import io.meshwork.ledger.LedgerMain;
import io.meshwork.orchestrator.OrchestratorMain;
import io.meshwork.receiptlog.ReceiptMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * {@code meshwork serve SERVICE [--config FILE] [--set key=value ...]}: runs one service as its own
 * process, the way the Kubernetes manifests run each deployable.
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
      case "executor" -> ExecutorMain.main(rest);
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
}
