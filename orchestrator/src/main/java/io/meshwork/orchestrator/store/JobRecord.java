package io.meshwork.orchestrator.store;

/**
 * A job as the journal keeps it.
 *
 * @param state the wire name of the job's state
 * @param result the merged result, or null until the job completes
 */
public record JobRecord(
    String jobId,
    String submitterDid,
    String state,
    byte[] manifest,
    byte[] manifestDigest,
    String holdId,
    long budget,
    long spent,
    long refunded,
    int totalChunks,
    int completedChunks,
    String errorMessage,
    byte[] result,
    String resultCid,
    long submittedAt,
    long finishedAt) {}
