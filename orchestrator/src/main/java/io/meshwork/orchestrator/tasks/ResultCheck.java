package io.meshwork.orchestrator.tasks;

import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.format.ReceiptException;
import io.meshwork.receipt.format.ReceiptVerifier;

/**
 * Checks a returned result against its task before it is accepted: the receipt must be signed by
 * the executor that ran it and describe this task, module and input; in hash mode the bytes must be
 * the ones the receipt commits to.
 */
final class ResultCheck {
  // Executors sign result after result: each one's key is validated once, not per receipt.
  private static final ReceiptVerifier RECEIPTS = ReceiptVerifier.rememberingKeys(10_000);

  private ResultCheck() {}

  /**
   * Returns null when the result passes, or the reason it does not.
   *
   * @param expectedExecutor the executor the task was assigned to, or null when delegated (then any
   *     executor whose receipt verifies may have run it)
   */
  static String check(
      TaskSpec task, String expectedExecutor, String assignmentId, ComputeTaskResult result) {
    boolean committed = "committed".equals(result.getStatus());
    if (!"completed".equals(result.getStatus()) && !committed) {
      if (!result.hasError()) {
        return "the task failed: " + result.getStatus();
      }
      // The kind without its enum prefix, e.g. FUEL_EXHAUSTED, so people and scripts can match it.
      String kind = result.getError().getKind().name().replaceFirst("^JOB_ERROR_KIND_", "");
      return "the task failed (" + kind + "): " + result.getError().getMessage();
    }
    if (result.getReceiptsCount() != 1) {
      return "a result must carry exactly one receipt, it has " + result.getReceiptsCount();
    }
    ExecutionReceipt receipt = result.getReceipts(0);
    try {
      RECEIPTS.verifiedLeaf(receipt);
    } catch (ReceiptException e) {
      return "the receipt does not verify (" + e.check() + "): " + e.getMessage();
    }
    if (expectedExecutor != null && !expectedExecutor.equals(receipt.getExecutorDid())) {
      return "the receipt is signed by "
          + receipt.getExecutorDid()
          + ", not by the assigned executor";
    }
    if (expectedExecutor != null && !assignmentId.equals(receipt.getAssignmentId())) {
      return "the receipt answers another assignment";
    }
    if (!task.taskId().equals(receipt.getTaskId())) {
      return "the receipt is for task " + receipt.getTaskId();
    }
    if (!task.moduleCid().equals(receipt.getModuleCid())) {
      return "the receipt names another module";
    }
    if (!Cid.of(task.chunk()).equals(receipt.getInputCid())) {
      return "the receipt names another input";
    }
    if (!task.exportName().equals(receipt.getExportName())) {
      return "the receipt is for export " + receipt.getExportName();
    }
    if (committed) {
      // Only the hash is here; the bytes come later and are checked against the receipt then.
      if (!receipt.getOutputCid().equals(result.getResultHash())) {
        return "the committed result_hash is not the output the receipt commits to";
      }
      return null;
    }
    if (!"none".equals(task.verification())) {
      String actual = Cid.of(result.getResultData().toByteArray());
      if (!actual.equals(result.getResultHash())) {
        return "result_hash does not match the returned bytes";
      }
      if (!actual.equals(receipt.getOutputCid())) {
        return "the returned bytes are not the output the receipt commits to";
      }
    }
    return null;
  }
}
