package io.meshwork.orchestrator.tasks;

import java.util.List;

/**
 * A task's verified result and what it costs.
 *
 * @param receipt the signed receipt of the executor run behind the result (for a subtree a peer
 *     split and merged, the receipt of its merge)
 * @param price the mana owed for the result: to the receipt's executor, or to the peer orchestrator
 *     it was delegated to, which paid its own executors from its own hold
 * @param workerDid who returned the result (the executor, or the orchestrator it was delegated to)
 * @param alsoPaid other executors whose independent runs agreed with the result and are paid too
 *     (redundant replicas, sample auditors)
 * @param delegated whether a peer orchestrator returned the result: then the peer, not the
 *     receipt's executor, is paid the price
 * @param subtree with a delegated result, how the peer ran it (its part of the delegation tree)
 */
public record TaskOutcome(
    TaskSpec task,
    byte[] result,
    String resultCid,
    Receipt receipt,
    long price,
    String workerDid,
    List<Paid> alsoPaid,
    boolean delegated,
    List<TreeNode> subtree) {

  /** An outcome with one executor to pay. */
  public TaskOutcome(
      TaskSpec task, byte[] result, String resultCid, Receipt receipt, long price, String worker) {
    this(task, result, resultCid, receipt, price, worker, List.of());
  }

  /** An executor's outcome, with other executors to pay too. */
  public TaskOutcome(
      TaskSpec task,
      byte[] result,
      String resultCid,
      Receipt receipt,
      long price,
      String worker,
      List<Paid> alsoPaid) {
    this(task, result, resultCid, receipt, price, worker, alsoPaid, false, List.of());
  }

  /** Who is paid {@link #price}: the peer for a delegated result, else the receipt's executor. */
  public String payee() {
    return delegated ? workerDid : receipt.executorDid();
  }

  /** Another executor paid for the same task, with the receipt of its run. */
  public record Paid(Receipt receipt, long price) {}
}
