package io.meshwork.orchestrator.tasks;

import java.util.List;

/**
 * A task's verified result and what it costs.
 *
 * @param receipt the signed receipt of the executor run behind the result
 * @param price the mana owed to the receipt's executor
 * @param workerDid who returned the result (the executor, or the orchestrator it was delegated to)
 * @param alsoPaid other executors whose independent runs agreed with the result and are paid too
 *     (redundant replicas, sample auditors)
 */
public record TaskOutcome(
    TaskSpec task,
    byte[] result,
    String resultCid,
    Receipt receipt,
    long price,
    String workerDid,
    List<Paid> alsoPaid) {

  /** An outcome with one executor to pay. */
  public TaskOutcome(
      TaskSpec task, byte[] result, String resultCid, Receipt receipt, long price, String worker) {
    this(task, result, resultCid, receipt, price, worker, List.of());
  }

  /** Another executor paid for the same task, with the receipt of its run. */
  public record Paid(Receipt receipt, long price) {}
}
