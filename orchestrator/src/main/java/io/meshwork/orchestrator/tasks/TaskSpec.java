package io.meshwork.orchestrator.tasks;

/**
 * One unit of work to place: a chunk (or a split or merge) of a job, or a task delegated here.
 *
 * @param exportName the export to call: execute, merge or split
 * @param chunk the task's input
 * @param maxPrice the most the job can still pay for this task
 * @param delegationDepth how many more times the task may be delegated onward
 * @param deadlineMillis when the job's time is up, on the orchestrator's clock
 * @param redundancy how many executors run the task under redundant verification
 */
public record TaskSpec(
    String taskId,
    String jobId,
    int chunkIndex,
    String exportName,
    Chunk chunk,
    String moduleCid,
    byte[] module,
    Limits limits,
    long maxPrice,
    String operationType,
    int retryCount,
    VerificationMode verification,
    int delegationDepth,
    long deadlineMillis,
    int redundancy) {
  /** The same task computing {@code other} (the same chunk, carried another way). */
  public TaskSpec withChunk(Chunk other) {
    return new TaskSpec(
        taskId,
        jobId,
        chunkIndex,
        exportName,
        other,
        moduleCid,
        module,
        limits,
        maxPrice,
        operationType,
        retryCount,
        verification,
        delegationDepth,
        deadlineMillis,
        redundancy);
  }
}
