package io.meshwork.orchestrator.jobs;

/**
 * A job as the journal keeps it.
 *
 * @param manifest what was submitted (with the job id chosen here, if any); null in an update,
 *     which never rewrites it
 * @param result the merged result, or null until the job completes and when the result is in the
 *     blob store
 * @param resultSize the result's length in bytes (0 without a result)
 * @param resultStored whether the result is in the blob store under {@code resultCid} (larger than
 *     {@code orchestrator.inline-result-bytes}) instead of in {@code result}
 */
public record JobRecord(
    String jobId,
    String submitterDid,
    JobState state,
    JobManifest manifest,
    byte[] manifestDigest,
    String holdId,
    long budget,
    long spent,
    long refunded,
    int totalChunks,
    int completedChunks,
    String errorMessage,
    byte[] result,
    String resultCid,
    long submittedAt,
    long finishedAt,
    long resultSize,
    boolean resultStored) {

  /** A job record whose result, if any, is inline. */
  public JobRecord(
      String jobId,
      String submitterDid,
      JobState state,
      JobManifest manifest,
      byte[] manifestDigest,
      String holdId,
      long budget,
      long spent,
      long refunded,
      int totalChunks,
      int completedChunks,
      String errorMessage,
      byte[] result,
      String resultCid,
      long submittedAt,
      long finishedAt) {
    this(
        jobId,
        submitterDid,
        state,
        manifest,
        manifestDigest,
        holdId,
        budget,
        spent,
        refunded,
        totalChunks,
        completedChunks,
        errorMessage,
        result,
        resultCid,
        submittedAt,
        finishedAt,
        result == null ? 0 : result.length,
        false);
  }

  /** The result, or null unless the job completed. */
  public ResultContent content() {
    if (resultCid == null) {
      return null;
    }
    return resultStored
        ? ResultContent.stored(resultCid, resultSize)
        : ResultContent.inline(result, resultCid);
  }
}
