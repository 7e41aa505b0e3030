package io.meshwork.orchestrator.tasks;

/**
 * One task of a job's delegation tree, as {@code meshwork status JOB --tree} shows it: where it
 * ran, on which part of the input, and how it ended.
 *
 * @param parentTaskId the task it is part of; "" for a part of the job itself
 * @param orchestratorDid the orchestrator that placed it
 * @param offset where its input starts in the job's input
 * @param length its input's length (a merge's is its parent's range)
 * @param kind {@code executor}, {@code peer}, {@code merge-executor} or {@code merge-peer}
 * @param worker the executor's DID, or the peer's address
 * @param state {@code completed}, {@code failed: why} or {@code refused: why}
 * @param price what the orchestrator that placed it paid for it
 */
public record TreeNode(
    String taskId,
    String parentTaskId,
    String orchestratorDid,
    long offset,
    long length,
    String kind,
    String worker,
    String state,
    long price,
    String resultCid) {

  /** This node as a node of a tree whose input starts {@code by} bytes into the job's. */
  public TreeNode shifted(long by) {
    return new TreeNode(
        taskId,
        parentTaskId,
        orchestratorDid,
        offset + by,
        length,
        kind,
        worker,
        state,
        price,
        resultCid);
  }
}
