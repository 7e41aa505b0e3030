package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.MintRequest;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development mesh hands each service only its own keys, and refuses keys nobody reads; each
 * service learns the others' roles from the lists it reads.
 */
class DevMeshSettingsTest {
  @TempDir Path dir;

  @Test
  void aKeyNoServiceDeclaresStopsTheMeshBeforeAnythingStarts() {
    SettingsException e =
        assertThrows(
            SettingsException.class, () -> DevMesh.start(dir, 0, 1, Map.of("rfc0016.t2ms", "500")));

    assertEquals(
        "unknown setting 'rfc0016.t2ms': no service of the mesh declares it", e.getMessage());
    assertFalse(Files.exists(dir.resolve("ledger")), "no service was started");
  }

  @Test
  void eachServiceGetsOnlyTheKeysItDeclares() {
    try (DevMesh mesh =
        DevMesh.start(
            dir,
            0,
            1,
            Map.of(
                "ledger.dev-grant", "5",
                "executor.task-slots", "1",
                "rfc0016.t2-ms", "500",
                "receipts.origin", "example.org/dev"))) {
      assertEquals(4, mesh.endpoints().size());
    }
  }

  @Test
  void eachServiceKnowsTheOthersInTheirRolesAndAnOperatorGivenIsAdded() {
    Identity operator = Identity.generate();
    try (DevMesh mesh =
        DevMesh.start(dir, MeshFixtures.freeLayout(1), Map.of("auth.operators", operator.did()))) {
      Identity orchestrator = MeshFixtures.serviceIdentity(dir, "orchestrator");
      Identity executor = MeshFixtures.serviceIdentity(dir, "executor-1");
      // People call with a token over TLS; the mesh's parties with their certificate.
      ManagedChannel ledger = MeshFixtures.userChannel(mesh, "ledger");
      ManagedChannel compute = MeshFixtures.partyChannel(mesh, "orchestrator", executor);
      ManagedChannel executorChannel = MeshFixtures.partyChannel(mesh, "executor-1", orchestrator);
      ManagedChannel executorAsUser = MeshFixtures.userChannel(mesh, "executor-1");
      try {
        // The ledger knows the operator it was given.
        assertEquals(
            10_000_005,
            LedgerServiceGrpc.newBlockingStub(ledger)
                .withCallCredentials(new BearerCredentials(operator))
                .mint(
                    MintRequest.newBuilder()
                        .setRequestId("m1")
                        .setDid(executor.did())
                        .setAmount(5)
                        .build())
                .getAccount()
                .getBalance());
        // The executor knows its orchestrator, and nobody else is one to it.
        assertEquals(
            executor.did(),
            ExecutorServiceGrpc.newBlockingStub(executorChannel)
                .getCapacity(GetCapacityRequest.getDefaultInstance())
                .getExecutorDid());
        StatusRuntimeException stranger =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    ExecutorServiceGrpc.newBlockingStub(executorAsUser)
                        .withCallCredentials(new BearerCredentials(operator))
                        .getCapacity(GetCapacityRequest.getDefaultInstance()));
        assertEquals(Status.Code.PERMISSION_DENIED, stranger.getStatus().getCode());
        // The orchestrator knows its executor: a module it does not have is NOT_FOUND, not refused.
        StatusRuntimeException missing =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    ComputeServiceGrpc.newBlockingStub(compute)
                        .getModule(
                            GetModuleRequest.newBuilder().setModuleCid("bafkreinothere").build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
      } finally {
        ledger.shutdownNow();
        compute.shutdownNow();
        executorChannel.shutdownNow();
        executorAsUser.shutdownNow();
      }
    }
  }
}
