package io.meshwork.client;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.meshwork.membership.v1.CreateJoinTokenRequest;
import io.meshwork.membership.v1.CreateJoinTokenResponse;
import io.meshwork.membership.v1.DrainMemberRequest;
import io.meshwork.membership.v1.ListMembersRequest;
import io.meshwork.membership.v1.Member;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.membership.v1.MemberState;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operator's calls to an orchestrator's {@code MembershipService}, served on the orchestrator's
 * port: list the members, make a join token, drain a member. Turns the contract's messages into the
 * SDK's records, so that callers never see the generated classes.
 */
final class Membership {
  private final MembershipServiceGrpc.MembershipServiceBlockingStub stub;
  private final Duration deadline;
  private final String authority;

  /** Calls the orchestrator at {@code orchestrator}, signing as {@code credentials}. */
  Membership(Channel orchestrator, CallCredentials credentials, MeshClientOptions options) {
    int max = options.maxMessageBytes();
    // The token's audience is the service called, meshwork.membership.v1.MembershipService:
    // BearerCredentials reads it from each call, so one set of credentials serves every stub.
    this.stub =
        MembershipServiceGrpc.newBlockingStub(orchestrator)
            .withCallCredentials(credentials)
            .withMaxInboundMessageSize(max)
            .withMaxOutboundMessageSize(max);
    this.deadline = options.callDeadline();
    this.authority = orchestrator.authority();
  }

  List<ExecutorMember> members(boolean includeLeft) {
    ListMembersRequest request =
        ListMembersRequest.newBuilder().setIncludeLeft(includeLeft).build();
    return call(() -> withDeadline().listMembers(request)).getMembersList().stream()
        .map(Membership::member)
        .toList();
  }

  JoinToken createJoinToken(Duration validFor, int uses, String description) {
    if (validFor != null && validFor.isNegative()) {
      throw new IllegalArgumentException("a join token's validity must not be negative");
    }
    if (uses < 0) {
      throw new IllegalArgumentException("a join token's uses must not be negative, got " + uses);
    }
    // Whole seconds on the wire; a fraction counts as one more second, not as none (which would
    // mean the orchestrator's default).
    long seconds = validFor == null ? 0 : validFor.getSeconds() + (validFor.getNano() > 0 ? 1 : 0);
    CreateJoinTokenRequest request =
        CreateJoinTokenRequest.newBuilder()
            .setValidForSeconds(seconds)
            .setUses(uses)
            .setDescription(description == null ? "" : description)
            .build();
    CreateJoinTokenResponse response = call(() -> withDeadline().createJoinToken(request));
    return new JoinToken(
        response.getToken(),
        response.getTokenId(),
        Instant.ofEpochMilli(response.getExpiresAt()),
        response.getUses());
  }

  ExecutorMember.State drain(String executorDid) {
    if (executorDid == null || executorDid.isBlank()) {
      throw new IllegalArgumentException("an executor DID must not be empty");
    }
    DrainMemberRequest request =
        DrainMemberRequest.newBuilder().setExecutorDid(executorDid.strip()).build();
    return state(call(() -> withDeadline().drainMember(request)).getState());
  }

  static ExecutorMember member(Member m) {
    MemberCapacity c = m.getCapacity();
    return new ExecutorMember(
        m.getExecutorDid(),
        m.getEndpoint(),
        state(m.getState()),
        m.getLoad(),
        m.getReputation(),
        new ExecutorMember.Capacity(
            c.getCpuCores(),
            c.getRamMb(),
            c.getTaskSlots(),
            c.getRunningTasks(),
            c.getQueuedTasks()),
        instant(m.getLastHeartbeatAt()),
        instant(m.getJoinedAt()),
        m.getEngineVersion(),
        m.getSource());
  }

  static ExecutorMember.State state(MemberState state) {
    return switch (state) {
      case MEMBER_STATE_JOINING -> ExecutorMember.State.JOINING;
      case MEMBER_STATE_LIVE -> ExecutorMember.State.LIVE;
      case MEMBER_STATE_SUSPECT -> ExecutorMember.State.SUSPECT;
      case MEMBER_STATE_DRAINING -> ExecutorMember.State.DRAINING;
      case MEMBER_STATE_LOST -> ExecutorMember.State.LOST;
      case MEMBER_STATE_LEFT -> ExecutorMember.State.LEFT;
      case MEMBER_STATE_UNSPECIFIED, UNRECOGNIZED -> ExecutorMember.State.UNKNOWN;
    };
  }

  /** The contract's "0 for none" as null. */
  private static Instant instant(long epochMillis) {
    return epochMillis == 0 ? null : Instant.ofEpochMilli(epochMillis);
  }

  private MembershipServiceGrpc.MembershipServiceBlockingStub withDeadline() {
    // A fresh deadline per call: a stub's deadline is absolute, so it cannot be set once.
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> T call(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw GrpcMeshClient.failure("orchestrator", authority, e);
    }
  }
}
