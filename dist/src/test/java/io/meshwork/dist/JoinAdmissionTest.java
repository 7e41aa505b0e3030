package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.client.ExecutorMember;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.executor.membership.Joiner;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.membership.v1.MemberState;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission, over the production wiring of a development mesh in this JVM and the executor's own
 * join client: a wrong or expired join token, or a DID off the allow-list, is refused with
 * PERMISSION_DENIED; the refused DID is no member, has no executor role at the orchestrator, and
 * the receipt log anchors no receipt it signed, while a rightly admitted executor joins.
 */
class JoinAdmissionTest {
  @TempDir Path dataDir;

  private final Identity operator = Identity.generate();

  @Test
  void wrongAndExpiredTokensAreRefusedAndTheRefusedGetNeitherRoleNorReceipts() throws Exception {
    try (DevMesh mesh =
            DevMesh.start(
                dataDir,
                MeshLayout.onFreePorts(0),
                Map.of("orchestrator.admission", "token", "auth.operators", operator.did()));
        MeshClient admin = MeshFixtures.client(mesh, operator)) {
      String good = admin.createJoinToken(Duration.ofMinutes(10), 1, "good").token();
      String expiring = admin.createJoinToken(Duration.ofSeconds(1), 5, "short").token();
      Identity stranger = Identity.generate();

      String wrong = good.substring(0, good.length() - 4) + "AAAA";
      assertRefused(mesh, stranger, wrong, "not one this orchestrator made");
      Thread.sleep(1_500);
      assertRefused(mesh, stranger, expiring, "has expired");
      assertRefused(mesh, stranger, "", "join token");
      assertNeitherMemberNorParty(mesh, admin, stranger);

      Identity admitted = Identity.generate();
      assertEquals(MemberState.MEMBER_STATE_JOINING, join(mesh, admitted, good).getState());
      assertRefused(mesh, Identity.generate(), good, "no uses left");
    }
  }

  @Test
  void aDidOffTheAllowListIsRefusedAndOneOnItJoins() throws Exception {
    Identity listed = Identity.generate();
    try (DevMesh mesh =
            DevMesh.start(
                dataDir,
                MeshLayout.onFreePorts(0),
                Map.of(
                    "orchestrator.admission", "allow-list",
                    "orchestrator.admission-allow", listed.did(),
                    "auth.operators", operator.did()));
        MeshClient admin = MeshFixtures.client(mesh, operator)) {
      Identity stranger = Identity.generate();
      assertRefused(mesh, stranger, "", "allow-list");
      assertNeitherMemberNorParty(mesh, admin, stranger);
      assertEquals(MemberState.MEMBER_STATE_JOINING, join(mesh, listed, "").getState());
    }
  }

  private static io.meshwork.membership.v1.JoinResponse join(
      DevMesh mesh, Identity executor, String token) {
    ManagedChannel channel = MeshFixtures.userChannel(mesh, "orchestrator");
    try {
      return new Joiner(executor, "127.0.0.1:1", "test", true)
          .join(
              channel,
              new BearerCredentials(executor),
              token.isEmpty() ? Optional.empty() : Optional.of(token),
              Optional.empty(),
              MemberCapacity.newBuilder().setTaskSlots(1).build())
          .response();
    } finally {
      channel.shutdownNow();
    }
  }

  private static void assertRefused(DevMesh mesh, Identity executor, String token, String why) {
    Joiner.JoinFailedException e =
        assertThrows(Joiner.JoinFailedException.class, () -> join(mesh, executor, token));
    assertTrue(e.getMessage().startsWith("PERMISSION_DENIED"), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  /**
   * The refused DID is not listed, may not call the orchestrator as an executor, and a receipt it
   * signed does not anchor even when the orchestrator itself presents it.
   */
  private void assertNeitherMemberNorParty(DevMesh mesh, MeshClient admin, Identity refused) {
    assertTrue(
        admin.members(true).stream().map(ExecutorMember::did).noneMatch(refused.did()::equals));

    ManagedChannel asRefused = MeshFixtures.partyChannel(mesh, "orchestrator", refused);
    try {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  ComputeServiceGrpc.newBlockingStub(asRefused)
                      .getModule(GetModuleRequest.newBuilder().setModuleCid("x").build()));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
      assertEquals("ROLE_REQUIRED", MeshFixtures.errorInfo(e).getReason());
    } finally {
      asRefused.shutdownNow();
    }

    Identity orchestrator = MeshFixtures.serviceIdentity(dataDir, "orchestrator");
    ManagedChannel asOrchestrator = MeshFixtures.partyChannel(mesh, "receipts", orchestrator);
    try {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  ReceiptServiceGrpc.newBlockingStub(asOrchestrator)
                      .anchorReceipts(
                          AnchorReceiptsRequest.newBuilder()
                              .addReceipts(
                                  MeshFixtures.signedReceipt(
                                      refused, "refused-task", System.currentTimeMillis()))
                              .build()));
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertEquals("UNKNOWN_EXECUTOR", MeshFixtures.errorInfo(e).getReason());
    } finally {
      asOrchestrator.shutdownNow();
    }
  }
}
