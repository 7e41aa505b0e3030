package io.meshwork.orchestrator.tasks;

import io.meshwork.content.Cid;

/**
 * Checks a returned result against its task before it is accepted: the receipt must be signed by
 * the executor that ran it and describe this task, module and input; in every mode but {@code none}
 * the bytes must be the ones the receipt commits to.
 *
 * <p>The signature itself was checked where the receipt was read off the wire ({@link
 * TaskResult#receiptProblem}); everything the task decides is checked here.
 */
final class ResultCheck {
  private ResultCheck() {}

  /**
   * Returns null when the result passes, or the reason it does not.
   *
   * @param expectedExecutor the executor the task was assigned to, or null when delegated (then any
   *     executor whose receipt verifies may have run it)
   */
  static String check(
      TaskSpec task, String expectedExecutor, String assignmentId, TaskResult result) {
    boolean committed = result.committedOnly();
    if (!result.ranToEnd()) {
      if (result.errorKind() == null) {
        return "the task failed: " + result.status();
      }
      return "the task failed (" + result.errorKind() + "): " + result.errorMessage();
    }
    if (result.receipts().size() != 1) {
      return "a result must carry exactly one receipt, it has " + result.receipts().size();
    }
    if (result.receiptProblem() != null) {
      return result.receiptProblem();
    }
    if (expectedExecutor == null && !ResultStatement.signedByWorker(result)) {
      // A delegate vouches for the receipt and the price by its signature; without it nobody
      // answers for the result.
      return "the delegate " + result.workerId() + " did not sign the result";
    }
    Receipt receipt = result.receipts().get(0);
    if (expectedExecutor != null && !expectedExecutor.equals(receipt.executorDid())) {
      return "the receipt is signed by " + receipt.executorDid() + ", not by the assigned executor";
    }
    if (expectedExecutor != null && !assignmentId.equals(receipt.assignmentId())) {
      return "the receipt answers another assignment";
    }
    // A delegate may split a task and merge its parts' results: the result's receipt is then its
    // merge's, whose input is the frame list of those results, checked at the level below.
    boolean mergedBelow =
        expectedExecutor == null
            && "execute".equals(task.exportName())
            && receipt.taskId().equals(task.taskId() + "/merge")
            && "merge".equals(receipt.exportName());
    if (!task.taskId().equals(receipt.taskId()) && !mergedBelow) {
      return "the receipt is for task " + receipt.taskId();
    }
    if (!task.moduleCid().equals(receipt.moduleCid())) {
      return "the receipt names another module";
    }
    if (!mergedBelow && !task.chunk().cid().equals(receipt.inputCid())) {
      return "the receipt names another input";
    }
    if (!mergedBelow && !task.exportName().equals(receipt.exportName())) {
      return "the receipt is for export " + receipt.exportName();
    }
    if (committed) {
      // Only the hash is here; the bytes come later and are checked against the receipt then.
      if (!receipt.outputCid().equals(result.resultHash())) {
        return "the committed result_hash is not the output the receipt commits to";
      }
      return null;
    }
    if (task.verification() != VerificationMode.NONE) {
      String actual = Cid.of(result.data());
      if (!actual.equals(result.resultHash())) {
        return "result_hash does not match the returned bytes";
      }
      if (!actual.equals(receipt.outputCid())) {
        return "the returned bytes are not the output the receipt commits to";
      }
    }
    return null;
  }
}
