package io.meshwork.ledger.grpc;

import io.grpc.ManagedChannel;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.LedgerService;
import io.meshwork.ledger.LedgerSettings;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
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
 * The ledger enforces the table of docs/AUTH.md: every RPC, called by a stranger, an operator, an
 * orchestrator, the ledger itself and nobody, over the production wiring.
 */
class LedgerAccessTest {
  @TempDir Path dataDir;

  @Test
  void everyRpcIsOpenToExactlyTheRolesTheDocumentNames() {
    Identity operator = Identity.generate();
    Identity orchestrator = Identity.generate();
    try (ServiceHost host =
        InProcessHost.start(
            "ledger",
            LedgerSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dataDir.toString(),
                    "mesh.dev-mode", "true",
                    "auth.operators", operator.did(),
                    "auth.orchestrators", orchestrator.did())),
            LedgerService::create)) {
      ManagedChannel channel = InProcessHost.channel(host);
      try {
        AccessWalk.walk(
            channel,
            LedgerServiceGrpc.getServiceDescriptor(),
            List.of(
                new AccessWalk.Party("a stranger", Identity.generate(), Set.of()),
                new AccessWalk.Party("an operator", operator, Set.of(Role.OPERATOR)),
                new AccessWalk.Party("an orchestrator", orchestrator, Set.of(Role.ORCHESTRATOR)),
                new AccessWalk.Party(
                    "the ledger itself", host.context().identity(), Set.of(Role.LEDGER))));
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
