package io.meshwork.orchestrator.jobs;

/**
 * The request ids this orchestrator gives its ledger operations. Each is fixed by the job or task
 * it is for, so that a retry or a replay after a restart is the same request and the ledger answers
 * it with its first outcome; and each names the orchestrator, so that two orchestrators sharing a
 * ledger never collide even when their clients pick the same job ids. A replica that takes over
 * with the same identity makes the same ids, and so can never pay twice.
 */
record LedgerRequests(String orchestratorDid) {
  /** The hold of a job's budget. */
  String hold(String jobId) {
    return "hold:" + orchestratorDid + ":" + jobId;
  }

  /**
   * A task's payment: the accepted result's executor first ({@code position} 0), then each other
   * executor that agreed with it, each under its own id.
   */
  String pay(String taskId, String executorDid, int position) {
    String id = "pay:" + orchestratorDid + ":" + taskId;
    return position == 0 ? id : id + ":" + executorDid;
  }

  /**
   * An extension of a hold, made at {@code atMillis}: each is a request of its own, since each
   * pushes the expiry further.
   */
  String extend(String holdId, long atMillis) {
    return "extend:" + orchestratorDid + ":" + holdId + ":" + atMillis;
  }

  /** The return of what a job's hold has left. */
  String release(String jobId) {
    return "release:" + orchestratorDid + ":" + jobId;
  }
}
