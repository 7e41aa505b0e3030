package io.meshwork.orchestrator.membership;

/**
 * What a successful join answers.
 *
 * @param certificate PEM of the issued certificate, empty when none was asked for
 * @param caCertificate PEM of the CA that issued it, empty with none
 * @param rejoined whether the DID was a member before (it keeps its reputation)
 */
public record JoinOutcome(
    MemberState state,
    String certificate,
    String caCertificate,
    boolean rejoined,
    long heartbeatIntervalMs,
    long lostAfterMs) {}
