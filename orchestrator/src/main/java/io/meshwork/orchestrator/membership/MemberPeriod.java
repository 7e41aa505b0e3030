package io.meshwork.orchestrator.membership;

/**
 * When an executor was a member, as the receipt log is told (a receipt it signed inside the period
 * anchors).
 *
 * @param leftAt ms since the epoch, 0 while it is a member
 */
public record MemberPeriod(String executorDid, long admittedAt, long leftAt) {}
