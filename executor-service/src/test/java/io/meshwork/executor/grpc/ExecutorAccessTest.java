package io.meshwork.executor.grpc;

import io.grpc.ManagedChannel;
import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.identity.Identity;
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
 * An executor enforces the table of docs/AUTH.md: every RPC, called by a stranger, an orchestrator
 * it serves, another orchestrator, the executor itself and nobody, over the production wiring.
 */
class ExecutorAccessTest {
  @TempDir Path dataDir;

  @Test
  void everyRpcIsOpenToExactlyTheRolesTheDocumentNames() {
    Identity orchestrator = Identity.generate();
    try (ServiceHost host =
        InProcessHost.start(
            "executor",
            ExecutorSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dataDir.toString(),
                    "executor.task-slots", "1",
                    "auth.orchestrators", orchestrator.did())),
            ExecutorNode::create)) {
      ManagedChannel channel = InProcessHost.channel(host);
      try {
        AccessWalk.walk(
            channel,
            ExecutorServiceGrpc.getServiceDescriptor(),
            List.of(
                new AccessWalk.Party("a stranger", Identity.generate(), Set.of()),
                new AccessWalk.Party(
                    "the orchestrator it serves", orchestrator, Set.of(Role.ORCHESTRATOR)),
                // An orchestrator the executor was not told about is a stranger to it.
                new AccessWalk.Party("another orchestrator", Identity.generate(), Set.of()),
                new AccessWalk.Party(
                    "the executor itself", host.context().identity(), Set.of(Role.EXECUTOR))));
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
