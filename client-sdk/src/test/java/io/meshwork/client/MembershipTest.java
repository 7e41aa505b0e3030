package io.meshwork.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.CreateJoinTokenRequest;
import io.meshwork.membership.v1.MemberState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK's membership calls against an in-process MembershipService behind the mesh's real
 * authentication: what goes on the wire, how the answers become records, and how refusals surface.
 */
class MembershipTest {
  private static final String DID_A = "did:key:z6MkexecutorAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1";
  private static final String DID_B = "did:key:z6MkexecutorBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2";

  private final Identity operator = Identity.generate();
  private FakeMembership orchestrator;
  private MeshClient client;

  @BeforeEach
  void start() throws Exception {
    orchestrator = new FakeMembership(operator);
    client = orchestrator.client(MeshClientOptions.newBuilder().identity(operator).build());
  }

  @AfterEach
  void stop() {
    client.close();
    orchestrator.close();
  }

  @Test
  void membersMapsEveryFieldAndLeavesOutThoseThatLeftUnlessAsked() {
    orchestrator.members.add(
        FakeMembership.member(DID_A, "10.0.0.7:50061", MemberState.MEMBER_STATE_LIVE, 0.5f, 1_000));
    orchestrator.members.add(
        FakeMembership.member(DID_B, "10.0.0.8:50061", MemberState.MEMBER_STATE_LEFT, 0f, 0));

    List<ExecutorMember> live = client.members(false);
    List<ExecutorMember> all = client.members(true);

    assertEquals(
        List.of(
            new ExecutorMember(
                DID_A,
                "10.0.0.7:50061",
                ExecutorMember.State.LIVE,
                0.5f,
                0.93,
                new ExecutorMember.Capacity(8, 16_384, 4, 1, 1),
                Instant.ofEpochMilli(1_000),
                Instant.ofEpochMilli(1_795_250_000_000L),
                "chicory 1.5.1",
                "join")),
        live);
    assertEquals(2, all.size());
    assertEquals(ExecutorMember.State.LEFT, all.get(1).state());
    assertNull(all.get(1).lastHeartbeat(), "0 on the wire is no heartbeat yet");
    assertEquals(false, orchestrator.listRequests.get(0).getIncludeLeft());
    assertEquals(true, orchestrator.listRequests.get(1).getIncludeLeft());
    assertEquals(List.of(operator.did(), operator.did()), orchestrator.callers);
  }

  @Test
  void aStateTheSdkDoesNotKnowIsUnknownRatherThanAFailure() {
    orchestrator.members.add(
        FakeMembership.member(DID_A, "h:1", MemberState.MEMBER_STATE_UNSPECIFIED, 0f, 0).toBuilder()
            .setJoinedAt(0)
            .build());
    orchestrator.members.add(
        FakeMembership.member(DID_B, "h:2", MemberState.MEMBER_STATE_LIVE, 0f, 0).toBuilder()
            .setStateValue(42)
            .build());

    List<ExecutorMember> members = client.members(false);

    assertEquals(ExecutorMember.State.UNKNOWN, members.get(0).state());
    assertNull(members.get(0).joinedAt());
    assertEquals(ExecutorMember.State.UNKNOWN, members.get(1).state());
  }

  @Test
  void createJoinTokenSendsWholeSecondsAndReturnsTheToken() {
    JoinToken token = client.createJoinToken(Duration.ofMillis(90_500), 3, "rack 4");
    JoinToken byDefault = client.createJoinToken(null, 0, null);

    CreateJoinTokenRequest sent = orchestrator.tokenRequests.get(0);
    assertEquals(91, sent.getValidForSeconds(), "a fraction of a second counts as a second");
    assertEquals(3, sent.getUses());
    assertEquals("rack 4", sent.getDescription());
    assertEquals(
        new JoinToken(
            FakeMembership.TOKEN, "jt_7f3a", Instant.ofEpochMilli(FakeMembership.NOW + 91_000), 3),
        token);
    assertEquals(
        CreateJoinTokenRequest.getDefaultInstance(),
        orchestrator.tokenRequests.get(1),
        "no validity, uses or note: the orchestrator's defaults");
    assertEquals(1, byDefault.uses());
    assertTrue(!token.toString().contains(FakeMembership.TOKEN), "toString hides the secret");
  }

  @Test
  void drainReturnsTheMembersStateAndAnUnknownMemberIsNotFound() {
    orchestrator.members.add(
        FakeMembership.member(DID_A, "h:1", MemberState.MEMBER_STATE_LIVE, 0f, 0));

    assertEquals(ExecutorMember.State.DRAINING, client.drain(" " + DID_A + " "));
    assertEquals(DID_A, orchestrator.drainRequests.get(0).getExecutorDid());

    MeshClientException e = assertThrows(MeshClientException.class, () -> client.drain(DID_B));
    assertEquals(Status.Code.NOT_FOUND, e.code());
    assertEquals("MEMBER_NOT_FOUND", e.reason().orElseThrow());
    assertEquals(DID_B, e.metadata().get("executor_did"));
  }

  @Test
  void aCallerWhoIsNotAnOperatorIsRefusedWithTheOrchestratorsReason() {
    Identity stranger = Identity.generate();
    try (MeshClient other =
        orchestrator.client(MeshClientOptions.newBuilder().identity(stranger).build())) {
      for (Runnable call :
          List.<Runnable>of(
              () -> other.members(false),
              () -> other.createJoinToken(Duration.ofHours(1), 1, ""),
              () -> other.drain(DID_A))) {
        MeshClientException e = assertThrows(MeshClientException.class, call::run);
        assertEquals(Status.Code.PERMISSION_DENIED, e.code());
        assertEquals("ROLE_REQUIRED", e.reason().orElseThrow());
        assertEquals(stranger.did(), e.metadata().get("caller"));
      }
    }
    assertTrue(orchestrator.callers.isEmpty(), "no refused call reached the service");
  }

  @Test
  void badArgumentsFailBeforeAnyCall() {
    assertThrows(IllegalArgumentException.class, () -> client.drain(" "));
    assertThrows(
        IllegalArgumentException.class,
        () -> client.createJoinToken(Duration.ofSeconds(-1), 1, ""));
    assertThrows(
        IllegalArgumentException.class, () -> client.createJoinToken(Duration.ofHours(1), -1, ""));
    assertTrue(orchestrator.callers.isEmpty());
  }
}
