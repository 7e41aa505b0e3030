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
 * @param route where the task has been in the delegation tree and how it may be cut again
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
    int redundancy,
    TreeRoute route) {
  /** A task outside any delegation tree. */
  public TaskSpec(
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
    this(
        taskId,
        jobId,
        chunkIndex,
        exportName,
        chunk,
        moduleCid,
        module,
        limits,
        maxPrice,
        operationType,
        retryCount,
        verification,
        delegationDepth,
        deadlineMillis,
        redundancy,
        TreeRoute.NONE);
  }

  /**
   * A part of this task: {@code taskId} computing {@code export} over {@code input}, for at most
   * {@code maxPrice}, with {@code route}.
   */
  public TaskSpec part(
      String partId, int index, String export, Chunk input, long price, TreeRoute partRoute) {
    return new TaskSpec(
        partId,
        jobId,
        index,
        export,
        input,
        moduleCid,
        module,
        limits,
        price,
        operationType,
        retryCount,
        verification,
        delegationDepth,
        deadlineMillis,
        redundancy,
        partRoute);
  }

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
        redundancy,
        route);
  }
}
