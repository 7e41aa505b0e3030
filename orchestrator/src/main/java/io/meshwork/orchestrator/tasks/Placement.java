package io.meshwork.orchestrator.tasks;

import java.util.List;

/**
 * How one attempt of a task was placed and how it ended: the explanation {@code meshwork status
 * --explain} shows.
 *
 * @param attempt the placement's number within its task and role, from 0
 * @param winnerDid the executor chosen; "" when nobody could take it
 * @param reason why the winner won
 * @param bids every eligible bid with its verdict, the winner's first
 * @param refusals the executors that could not take it, each with its reason
 * @param outcome how the attempt ended
 * @param role which run of the task this was: primary, a replica, an audit, a tie-break
 * @param treeNode set on the record of a task of the delegation tree, null on a placement by bids
 */
public record Placement(
    String taskId,
    int chunkIndex,
    String exportName,
    int attempt,
    String winnerDid,
    long price,
    String reason,
    List<BidVerdict> bids,
    List<Refusal> refusals,
    String outcome,
    long decidedAt,
    String role,
    TreeNode treeNode) {

  /** A placement by bids. */
  public Placement(
      String taskId,
      int chunkIndex,
      String exportName,
      int attempt,
      String winnerDid,
      long price,
      String reason,
      List<BidVerdict> bids,
      List<Refusal> refusals,
      String outcome,
      long decidedAt,
      String role) {
    this(
        taskId,
        chunkIndex,
        exportName,
        attempt,
        winnerDid,
        price,
        reason,
        bids,
        refusals,
        outcome,
        decidedAt,
        role,
        null);
  }

  /** The record of {@code node}, a task of the delegation tree, decided at {@code at}. */
  public static Placement ofTreeNode(TreeNode node, int chunkIndex, String exportName, long at) {
    return new Placement(
        node.taskId(),
        chunkIndex,
        exportName,
        0,
        node.worker(),
        node.price(),
        node.kind() + " of the delegation tree",
        List.of(),
        List.of(),
        node.state(),
        at,
        "tree",
        node);
  }

  /** This placement with its outcome. */
  public Placement withOutcome(String text) {
    return new Placement(
        taskId,
        chunkIndex,
        exportName,
        attempt,
        winnerDid,
        price,
        reason,
        bids,
        refusals,
        text,
        decidedAt,
        role,
        treeNode);
  }

  /** One bid as the selection policy judged it. */
  public record BidVerdict(
      String executorDid,
      long price,
      double reputation,
      double load,
      double score,
      boolean won,
      String reason) {}

  /** An executor that could not take the task, and why. */
  public record Refusal(String executor, String reason) {}
}
