package io.meshwork.receiptlog.store;

/**
 * One executor's membership of an orchestrator's mesh, as the orchestrator reported it in {@code
 * SyncMembers}.
 *
 * @param executorDid the executor's did:key
 * @param admittedAt when the orchestrator admitted it, Unix epoch milliseconds
 * @param leftAt when it left, Unix epoch milliseconds; 0 while it is a member
 */
public record MemberPeriod(String executorDid, long admittedAt, long leftAt) {}
