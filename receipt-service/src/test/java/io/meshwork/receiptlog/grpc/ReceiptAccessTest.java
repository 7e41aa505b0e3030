package io.meshwork.receiptlog.grpc;

import io.grpc.ManagedChannel;
import io.meshwork.identity.Identity;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.runtime.AccessWalk;
import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.config.MapSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receipt log enforces the table of docs/AUTH.md: every RPC, called by a stranger, an
 * orchestrator, a member executor, the log itself and nobody, over the production wiring.
 */
class ReceiptAccessTest {
  @TempDir Path dataDir;

  @Test
  void everyRpcIsOpenToExactlyTheRolesTheDocumentNames() {
    Identity orchestrator = Identity.generate();
    Identity executor = Identity.generate();
    try (ServiceHost host =
        InProcessHost.start(
            "receipts",
            ReceiptSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dataDir.toString(),
                    "auth.orchestrators", orchestrator.did(),
                    "auth.executors", executor.did())),
            ReceiptService::create)) {
      ManagedChannel channel = InProcessHost.channel(host);
      try {
        AccessWalk.walk(
            channel,
            ReceiptServiceGrpc.getServiceDescriptor(),
            List.of(
                new AccessWalk.Party("a stranger", Identity.generate(), Set.of()),
                new AccessWalk.Party("an orchestrator", orchestrator, Set.of(Role.ORCHESTRATOR)),
                new AccessWalk.Party("an executor", executor, Set.of(Role.EXECUTOR)),
                new AccessWalk.Party(
                    "the log itself", host.context().identity(), Set.of(Role.RECEIPT_LOG))));
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
