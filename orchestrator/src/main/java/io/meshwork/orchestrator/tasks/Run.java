package io.meshwork.orchestrator.tasks;

import java.util.List;

/**
 * One accepted run of a task: how it was placed, the executor's result (bytes, or only the hash
 * when committed first) with its signed receipt, and the price reserved for it.
 */
record Run(Auction.Winner winner, String assignmentId, TaskResult result, byte[] bytes) {
  ExecutorHandle handle() {
    return winner.bid().executor();
  }

  String did() {
    return winner.bid().did();
  }

  long price() {
    return winner.bid().price();
  }

  Receipt receipt() {
    return result.receipts().get(0);
  }

  String resultCid() {
    return receipt().outputCid();
  }

  Run withBytes(byte[] revealed) {
    return new Run(winner, assignmentId, result, revealed);
  }

  /** Records how this run's placement ended. */
  void record(TaskControl control, String outcome) {
    control.placed(winner.placement().withOutcome(outcome));
  }

  TaskOutcome outcome(TaskSpec task, List<TaskOutcome.Paid> others) {
    return new TaskOutcome(
        task, bytes, receipt().outputCid(), receipt(), price(), result.workerId(), others);
  }
}
