package io.meshwork.orchestrator.store;

/**
 * A task whose result was verified, paid and anchored, as the journal keeps it.
 *
 * <p>A job that resumes after a restart skips every task it finds here, so no task is paid twice.
 */
public record TaskRecord(
    String taskId,
    String jobId,
    int chunkIndex,
    String exportName,
    String executorDid,
    long price,
    byte[] result,
    String resultCid,
    String receiptCid,
    long logIndex) {}
