package io.meshwork.orchestrator.tasks;

/**
 * RFC 0016's AssignJobV1 with the task it assigns: what the winning executor receives.
 *
 * @param assignmentId unique per attempt; also the request id, so a resent assignment is the same
 * @param resultEndpoint where the executor returns the result
 * @param commitFirst the executor returns only the result's hash until asked to reveal the bytes
 *     (redundant verification)
 * @param inlineWaitMs how long the executor may hold the call to answer with the result itself
 */
public record Assignment(
    String taskId,
    String executorDid,
    String assignmentId,
    long timestamp,
    long price,
    TaskPacket task,
    String resultEndpoint,
    boolean commitFirst,
    int inlineWaitMs) {

  /** The same assignment carrying {@code packet} instead. */
  public Assignment withTask(TaskPacket packet) {
    return new Assignment(
        taskId,
        executorDid,
        assignmentId,
        timestamp,
        price,
        packet,
        resultEndpoint,
        commitFirst,
        inlineWaitMs);
  }
}
