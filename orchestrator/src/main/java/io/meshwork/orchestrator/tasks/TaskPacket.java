package io.meshwork.orchestrator.tasks;

/**
 * The Cap'n Proto ComputeTaskPacket: a task as it travels to an executor or a peer orchestrator.
 *
 * @param chunk the input: inline bytes, or a range of a blob the receiver fetches
 * @param module the module's bytes, or null when the receiver has it already
 * @param delegationDepth how many more times the task may be delegated onward
 * @param timeoutMs how long the job has left, from when the packet was built
 * @param maxPrice the most the receiver may charge
 * @param chunkUrl where the receiver may read a chunk by reference directly, or null: presigned for
 *     one assignment, never for a peer
 * @param redundancy executors that run the task under redundant verification (0: the receiver's
 *     default)
 * @param route the orchestrators the task passed and how it may be cut again (for a peer)
 */
public record TaskPacket(
    String taskId,
    String jobId,
    int chunkIndex,
    Chunk chunk,
    String moduleCid,
    byte[] module,
    int delegationDepth,
    int timeoutMs,
    Limits limits,
    long maxPrice,
    VerificationMode verification,
    String exportName,
    ChunkUrl chunkUrl,
    int redundancy,
    TreeRoute route) {
  /** A packet outside any delegation tree, with the receiver's default redundancy. */
  public TaskPacket(
      String taskId,
      String jobId,
      int chunkIndex,
      Chunk chunk,
      String moduleCid,
      byte[] module,
      int delegationDepth,
      int timeoutMs,
      Limits limits,
      long maxPrice,
      VerificationMode verification,
      String exportName,
      ChunkUrl chunkUrl) {
    this(
        taskId,
        jobId,
        chunkIndex,
        chunk,
        moduleCid,
        module,
        delegationDepth,
        timeoutMs,
        limits,
        maxPrice,
        verification,
        exportName,
        chunkUrl,
        0,
        TreeRoute.NONE);
  }

  /**
   * The packet for {@code task} as of {@code nowMillis}, carrying the module's bytes only when the
   * receiver lacks them.
   */
  public static TaskPacket of(TaskSpec task, boolean withModule, long nowMillis) {
    return new TaskPacket(
        task.taskId(),
        task.jobId(),
        task.chunkIndex(),
        task.chunk(),
        task.moduleCid(),
        withModule ? task.module() : null,
        task.delegationDepth(),
        (int) Math.min(Integer.MAX_VALUE, Math.max(0, task.deadlineMillis() - nowMillis)),
        task.limits(),
        task.maxPrice(),
        task.verification(),
        task.exportName(),
        null,
        task.redundancy(),
        task.route());
  }

  /** This packet on its way from {@code did}, which adds itself to the path. */
  public TaskPacket through(String did) {
    return new TaskPacket(
        taskId,
        jobId,
        chunkIndex,
        chunk,
        moduleCid,
        module,
        delegationDepth,
        timeoutMs,
        limits,
        maxPrice,
        verification,
        exportName,
        chunkUrl,
        redundancy,
        route.through(did));
  }

  /** This packet offering at most {@code price}. */
  public TaskPacket withMaxPrice(long price) {
    return new TaskPacket(
        taskId,
        jobId,
        chunkIndex,
        chunk,
        moduleCid,
        module,
        delegationDepth,
        timeoutMs,
        limits,
        price,
        verification,
        exportName,
        chunkUrl,
        redundancy,
        route);
  }

  /** This packet with {@code url} (or none, for null) as where its chunk may be read. */
  public TaskPacket withChunkUrl(ChunkUrl url) {
    return new TaskPacket(
        taskId,
        jobId,
        chunkIndex,
        chunk,
        moduleCid,
        module,
        delegationDepth,
        timeoutMs,
        limits,
        maxPrice,
        verification,
        exportName,
        url,
        redundancy,
        route);
  }
}
