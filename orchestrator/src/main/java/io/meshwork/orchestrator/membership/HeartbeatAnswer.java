package io.meshwork.orchestrator.membership;

/**
 * The orchestrator's answer to one heartbeat.
 *
 * @param drain the operator asked this member to drain and leave
 */
public record HeartbeatAnswer(MemberState state, boolean drain) {}
