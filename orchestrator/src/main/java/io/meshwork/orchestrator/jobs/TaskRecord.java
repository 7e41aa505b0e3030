package io.meshwork.orchestrator.jobs;

import java.util.List;

/**
 * A task whose result was verified, paid and anchored, as the journal keeps it.
 *
 * <p>A job that resumes after a restart skips every task it finds here, so no task is paid twice.
 *
 * @param executorDid the executor whose result was accepted (and its price, receipt and log index)
 * @param result the result's bytes, or null when they are in the blob store under {@code resultCid}
 *     (a result larger than {@code orchestrator.inline-result-bytes})
 * @param alsoPaid other executors paid for the same task: the replicas that agreed with the
 *     accepted result (redundant verification) or the auditor that confirmed it (sample)
 * @param resultSize the result's length in bytes
 */
public record TaskRecord(
    String taskId,
    String jobId,
    int chunkIndex,
    String exportName,
    String executorDid,
    long price,
    byte[] result,
    String resultCid,
    String receiptCid,
    long logIndex,
    List<Payment> alsoPaid,
    long resultSize) {

  /** Checks that inline bytes are as long as the size says. */
  public TaskRecord {
    if (result != null && result.length != resultSize) {
      throw new IllegalArgumentException(
          "task " + taskId + ": a result of " + resultSize + " bytes carries " + result.length);
    }
  }

  /** A task record whose result is inline. */
  public TaskRecord(
      String taskId,
      String jobId,
      int chunkIndex,
      String exportName,
      String executorDid,
      long price,
      byte[] result,
      String resultCid,
      String receiptCid,
      long logIndex,
      List<Payment> alsoPaid) {
    this(
        taskId,
        jobId,
        chunkIndex,
        exportName,
        executorDid,
        price,
        result,
        resultCid,
        receiptCid,
        logIndex,
        alsoPaid,
        result.length);
  }

  /** A task record with one executor paid. */
  public TaskRecord(
      String taskId,
      String jobId,
      int chunkIndex,
      String exportName,
      String executorDid,
      long price,
      byte[] result,
      String resultCid,
      String receiptCid,
      long logIndex) {
    this(
        taskId,
        jobId,
        chunkIndex,
        exportName,
        executorDid,
        price,
        result,
        resultCid,
        receiptCid,
        logIndex,
        List.of());
  }

  /** The result as the job keeps it: inline bytes, or a blob of the store. */
  public ResultContent content() {
    return new ResultContent(resultCid, resultSize, result);
  }

  /** One executor paid for a task, with its anchored receipt. */
  public record Payment(String executorDid, long price, String receiptCid, long logIndex) {}

  /** Every payment of the task, the accepted result's first. */
  public List<Payment> payments() {
    List<Payment> all = new java.util.ArrayList<>();
    all.add(new Payment(executorDid, price, receiptCid, logIndex));
    all.addAll(alsoPaid);
    return all;
  }
}
