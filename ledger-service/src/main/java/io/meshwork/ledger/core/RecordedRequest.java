package io.meshwork.ledger.core;

/**
 * The first successful outcome of a state-changing request, kept so a retry gets it back.
 *
 * @param requestId the caller's request id
 * @param operation the operation ("Mint", "CreateHold", "PostHold", "VoidHold")
 * @param fingerprint a digest of the request's content, to tell a retry from a reused id
 * @param outcome the outcome, encoded by the ledger; opaque to the store
 * @param at when the request was applied, epoch milliseconds
 */
public record RecordedRequest(
    String requestId, String operation, String fingerprint, String outcome, long at) {}
