package io.meshwork.orchestrator.jobs;

/**
 * A job as the journal keeps it.
 *
 * @param manifest what was submitted (with the job id chosen here, if any); null in an update,
 *     which never rewrites it
 * @param result the merged result, or null until the job completes
 */
public record JobRecord(
    String jobId,
    String submitterDid,
    JobState state,
    JobManifest manifest,
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
