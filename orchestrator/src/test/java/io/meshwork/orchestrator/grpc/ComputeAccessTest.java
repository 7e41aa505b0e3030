package io.meshwork.orchestrator.grpc;

import io.grpc.ManagedChannel;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.orchestrator.OrchestratorSettings;
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
 * An orchestrator enforces the tables of docs/AUTH.md, of ComputeService and of its
 * MembershipService: every RPC, called by a stranger, an operator, a member executor, a peer, the
 * orchestrator itself and nobody, over the production wiring.
 */
class ComputeAccessTest {
  @TempDir Path dataDir;

  @Test
  void everyRpcIsOpenToExactlyTheRolesTheDocumentNames() {
    Identity operator = Identity.generate();
    Identity executor = Identity.generate();
    Identity peer = Identity.generate();
    try (ServiceHost host =
        InProcessHost.start(
            "orchestrator",
            OrchestratorSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dataDir.toString(),
                    // Nothing here reaches them: every call is refused or fails its checks first.
                    "orchestrator.ledger", "no-ledger",
                    "orchestrator.receipts", "no-receipts",
                    "auth.operators", operator.did(),
                    "auth.executors", executor.did(),
                    "auth.peers", peer.did())),
            OrchestratorService::create)) {
      ManagedChannel channel = InProcessHost.channel(host);
      try {
        for (io.grpc.ServiceDescriptor service :
            List.of(
                ComputeServiceGrpc.getServiceDescriptor(),
                MembershipServiceGrpc.getServiceDescriptor())) {
          AccessWalk.walk(
              channel,
              service,
              List.of(
                  new AccessWalk.Party("a stranger", Identity.generate(), Set.of()),
                  new AccessWalk.Party("an operator", operator, Set.of(Role.OPERATOR)),
                  new AccessWalk.Party("a member executor", executor, Set.of(Role.EXECUTOR)),
                  new AccessWalk.Party("a peer", peer, Set.of(Role.PEER)),
                  new AccessWalk.Party(
                      "the orchestrator itself",
                      host.context().identity(),
                      Set.of(Role.ORCHESTRATOR))));
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
