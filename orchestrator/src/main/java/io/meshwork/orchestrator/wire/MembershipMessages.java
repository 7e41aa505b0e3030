package io.meshwork.orchestrator.wire;

import com.google.protobuf.ByteString;
import io.meshwork.membership.v1.JoinRequest;
import io.meshwork.membership.v1.JoinResponse;
import io.meshwork.membership.v1.Member;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.orchestrator.membership.JoinClaim;
import io.meshwork.orchestrator.membership.JoinOutcome;
import io.meshwork.orchestrator.membership.MemberLoad;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MemberView;

/** Membership's messages to and from the domain's records. */
public final class MembershipMessages {
  private MembershipMessages() {}

  /** A Join request as the domain's claim, made by {@code callerDid}. */
  public static JoinClaim claim(JoinRequest r, String callerDid) {
    return new JoinClaim(
        callerDid,
        r.getExecutorDid(),
        r.getChallenge().toByteArray(),
        r.getEndpoint(),
        load(r.getCapacity()),
        r.getEngineVersion(),
        r.getJoinToken(),
        r.getCertificateRequest(),
        r.getSignature().toByteArray());
  }

  /** Reported capacity as the domain's load. */
  public static MemberLoad load(MemberCapacity c) {
    return new MemberLoad(
        c.getCpuCores(), c.getRamMb(), c.getTaskSlots(), c.getRunningTasks(), c.getQueuedTasks());
  }

  /** The answer to a join. */
  public static JoinResponse joined(JoinOutcome o, String orchestratorDid) {
    return JoinResponse.newBuilder()
        .setOrchestratorDid(orchestratorDid)
        .setState(state(o.state()))
        .setCertificate(o.certificate())
        .setCaCertificate(o.caCertificate())
        .setHeartbeatIntervalMs((int) o.heartbeatIntervalMs())
        .setLostAfterMs((int) o.lostAfterMs())
        .setRejoined(o.rejoined())
        .build();
  }

  /** A state on the wire. */
  public static io.meshwork.membership.v1.MemberState state(MemberState s) {
    return switch (s) {
      case JOINING -> io.meshwork.membership.v1.MemberState.MEMBER_STATE_JOINING;
      case LIVE -> io.meshwork.membership.v1.MemberState.MEMBER_STATE_LIVE;
      case SUSPECT -> io.meshwork.membership.v1.MemberState.MEMBER_STATE_SUSPECT;
      case DRAINING -> io.meshwork.membership.v1.MemberState.MEMBER_STATE_DRAINING;
      case LOST -> io.meshwork.membership.v1.MemberState.MEMBER_STATE_LOST;
      case LEFT -> io.meshwork.membership.v1.MemberState.MEMBER_STATE_LEFT;
    };
  }

  /** A member as ListMembers shows it. */
  public static Member member(MemberView m) {
    MemberLoad l = m.load();
    return Member.newBuilder()
        .setExecutorDid(m.did())
        .setEndpoint(m.endpoint())
        .setState(state(m.state()))
        .setCapacity(
            MemberCapacity.newBuilder()
                .setCpuCores(l.cpuCores())
                .setRamMb(l.ramMb())
                .setTaskSlots(l.taskSlots())
                .setRunningTasks(l.runningTasks())
                .setQueuedTasks(l.queuedTasks()))
        .setLoad((float) l.load())
        .setReputation(m.reputation())
        .setLastHeartbeatAt(m.lastHeartbeatAt())
        .setJoinedAt(m.joinedAt())
        .setEngineVersion(m.engineVersion())
        .setSource(m.source().wireName())
        .build();
  }

  /** Bytes for a message field. */
  public static ByteString bytes(byte[] b) {
    return ByteString.copyFrom(b);
  }
}
