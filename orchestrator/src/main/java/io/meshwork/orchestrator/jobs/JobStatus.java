package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.VerificationMode;

/**
 * What a job's submitter may see of it now (the Cap'n Proto ComputeJobStatus).
 *
 * @param progress completed over total chunks, 1 once completed
 * @param etaSecs an estimate of the seconds left from the pace so far; 0 when unknown or ended
 * @param errorMessage why the job failed or was cancelled; "" otherwise
 * @param finishedAt when the job ended, 0 while it runs
 * @param priority the job's priority; null in a listing of an ended job, which reads no manifest
 * @param verification how its results are checked; null where {@code priority} is
 */
public record JobStatus(
    String jobId,
    JobState state,
    float progress,
    int completedChunks,
    int totalChunks,
    long etaSecs,
    String errorMessage,
    long manaBudget,
    long manaSpent,
    long manaRefunded,
    String submitterDid,
    long submittedAt,
    long finishedAt,
    Priority priority,
    VerificationMode verification) {}
