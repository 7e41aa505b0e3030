package io.meshwork.orchestrator.membership;

/**
 * A member as it is listed and journaled.
 *
 * @param did the executor's did:key; for a configured executor not reached yet, {@code
 *     config:<endpoint>}
 * @param joinedAt when its current membership began (ms since the epoch); a return after leaving
 *     begins a new one
 * @param lastHeartbeatAt its last heartbeat (ms since the epoch), 0 for none
 * @param leftAt when it left (ms since the epoch), 0 while it is a member
 * @param reputation the orchestrator's score of it, 0 to 1
 */
public record MemberView(
    String did,
    String endpoint,
    MemberSource source,
    MemberState state,
    MemberLoad load,
    String engineVersion,
    long joinedAt,
    long lastHeartbeatAt,
    long leftAt,
    double reputation) {}
