package io.meshwork.orchestrator.tasks;

import io.meshwork.mesh.v1.ResourceLimits;

/**
 * One unit of work to place: a chunk (or a merge of chunk results) of a job.
 *
 * @param exportName the export to call: execute, merge or split
 * @param maxPrice the most the job can still pay for this task
 * @param verification the job's verification mode, wire name
 * @param delegationDepth how many more times the task may be delegated onward
 * @param redundancy how many executors run the task under redundant verification
 */
public record TaskSpec(
    String taskId,
    String jobId,
    int chunkIndex,
    String exportName,
    byte[] chunk,
    String moduleCid,
    byte[] module,
    ResourceLimits limits,
    long maxPrice,
    String operationType,
    int retryCount,
    String verification,
    int delegationDepth,
    long deadlineMillis,
    int redundancy) {}
