package io.meshwork.orchestrator.tasks;

import java.util.List;

/**
 * What an executor (or a peer orchestrator) returned for an assignment, before any check.
 *
 * @param status {@code completed}, {@code committed} (only the hash, bytes revealed later), or a
 *     failure such as {@code failed}
 * @param data the result bytes; empty when only committed
 * @param resultHash the CID the executor claims for the bytes
 * @param workerId who returned it: the executor, or the orchestrator it was delegated to
 * @param receipts the signed receipts behind the result
 * @param receiptProblem why a receipt's signature does not verify, as found when it was read off
 *     the wire; null when every receipt verifies
 * @param errorKind with a failure, its kind without prefix (e.g. FUEL_EXHAUSTED); "" otherwise
 * @param errorMessage with a failure, what the executor said; "" otherwise
 * @param price what a peer charges for a delegated task
 * @param workerSignature with a delegated task's result, the delegate orchestrator's signature over
 *     its {@link ResultStatement}; empty otherwise
 * @param subtree with a delegated task's result, how the delegate ran it: one node per task of its
 *     subtree, informational (the receipts and the signature are what is checked)
 */
public record TaskResult(
    String taskId,
    String assignmentId,
    String status,
    byte[] data,
    String resultHash,
    String workerId,
    List<Receipt> receipts,
    String receiptProblem,
    String errorKind,
    String errorMessage,
    long fuelUsed,
    long price,
    long executionTimeMs,
    byte[] workerSignature,
    List<TreeNode> subtree) {

  /** A result without a subtree (an executor's, or a delegate's that ran the task whole). */
  public TaskResult(
      String taskId,
      String assignmentId,
      String status,
      byte[] data,
      String resultHash,
      String workerId,
      List<Receipt> receipts,
      String receiptProblem,
      String errorKind,
      String errorMessage,
      long fuelUsed,
      long price,
      long executionTimeMs,
      byte[] workerSignature) {
    this(
        taskId,
        assignmentId,
        status,
        data,
        resultHash,
        workerId,
        receipts,
        receiptProblem,
        errorKind,
        errorMessage,
        fuelUsed,
        price,
        executionTimeMs,
        workerSignature,
        List.of());
  }

  /** This result signed by its worker, a delegate orchestrator with key {@code signer}. */
  public TaskResult signedBy(java.util.function.UnaryOperator<byte[]> signer) {
    return new TaskResult(
        taskId,
        assignmentId,
        status,
        data,
        resultHash,
        workerId,
        receipts,
        receiptProblem,
        errorKind,
        errorMessage,
        fuelUsed,
        price,
        executionTimeMs,
        signer.apply(ResultStatement.of(this)),
        subtree);
  }

  /** Whether the executor ran the task to the end (with the bytes or only their hash). */
  public boolean ranToEnd() {
    return "completed".equals(status) || "committed".equals(status);
  }

  /** Whether the executor returned only a commitment to the result's hash. */
  public boolean committedOnly() {
    return "committed".equals(status);
  }

  /** Whether the executor reported the task failed (a trap, a limit): no fault of its own. */
  public boolean reportedFailure() {
    return "failed".equals(status);
  }
}
