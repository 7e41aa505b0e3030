package io.meshwork.orchestrator.jobs;

/**
 * A job as a listing shows it: what the journal records of its state, progress and money, without
 * its manifest or result, which a page of many jobs should not have to read.
 *
 * @param errorMessage why the job failed or was cancelled; "" otherwise
 * @param finishedAt when the job ended, 0 while it runs
 */
public record JobListing(
    String jobId,
    String submitterDid,
    JobState state,
    long budget,
    long spent,
    long refunded,
    int totalChunks,
    int completedChunks,
    String errorMessage,
    long submittedAt,
    long finishedAt) {

  /** Where this job stands in a listing's order, for the page that follows it. */
  public Position position() {
    return new Position(submittedAt, jobId);
  }

  /**
   * A place in the listing order: newest submission first, and among jobs submitted in the same
   * millisecond, the larger job id first. A page after a position starts with the job after it.
   */
  public record Position(long submittedAt, String jobId) {}
}
