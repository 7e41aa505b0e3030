package io.meshwork.orchestrator.grpc;

import io.meshwork.membership.v1.MembershipServiceGrpc;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Role;

/**
 * Who may call an orchestrator's {@code meshwork.membership.v1.MembershipService}, as docs/AUTH.md
 * lists it: joining is open to any authenticated caller (admission then decides), heartbeats and
 * leaving to members, and the operator's RPCs to operators.
 */
public final class MembershipAccess {
  /** The roles allowed per RPC. */
  public static final AccessTable TABLE =
      AccessTable.forService(MembershipServiceGrpc.getServiceDescriptor())
          .servedBy(Role.ORCHESTRATOR)
          .allow("GetJoinChallenge", Role.USER)
          .allow("Join", Role.USER)
          .allow("Heartbeat", Role.EXECUTOR)
          .allow("Leave", Role.EXECUTOR)
          .allow("ListMembers", Role.OPERATOR)
          .allow("CreateJoinToken", Role.OPERATOR)
          .allow("DrainMember", Role.OPERATOR)
          .build();

  private MembershipAccess() {}
}
