package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.runtime.errors.MeshException;
import java.util.concurrent.TimeUnit;

/**
 * A job's {@code input_url} made a stored input, as the job's first phase: fetched once into the
 * blob store (the job shows {@code fetching} meanwhile), the blob recorded in the journal so that a
 * resumed job reads it from the store instead of fetching it again, and the input then checked as a
 * stored input is checked at submission.
 *
 * <p>The fetch happens after the job is accepted rather than inside {@code SubmitJob}: an input may
 * be gigabytes, far longer to fetch than a call should wait, and a job that is journaled survives a
 * restart of the orchestrator in the middle of it.
 */
final class UrlInputFetch {
  // The id under which a fetch's connection is registered with its job, for a cancel to reach.
  private static final String CONNECTION = "input-url";

  private final UrlInputs urls;
  private final InputBlobs blobs;
  private final JobStore store;
  private final ManifestValidator validator;
  private final JobProgress progress;

  UrlInputFetch(
      UrlInputs urls,
      InputBlobs blobs,
      JobStore store,
      ManifestValidator validator,
      JobProgress progress) {
    this.urls = urls;
    this.blobs = blobs;
    this.store = store;
    this.validator = validator;
    this.progress = progress;
  }

  /**
   * Refuses, before a job is accepted, a URL input this orchestrator may not fetch.
   *
   * @throws MeshException as {@link UrlInputs#check}
   */
  void check(JobSpec spec) {
    if (spec.input().isUrl()) {
      urls.check(spec.input().url());
    }
  }

  /**
   * The job's spec on the blob its URL was fetched into, fetching it unless the journal names the
   * blob already.
   *
   * @throws TaskFailedException when the fetch fails or the input is one the job cannot take
   */
  JobSpec resolve(RunningJob job) {
    JobSpec spec = job.spec;
    String cid = store.fetchedInput(spec.jobId()).orElse(null);
    try {
      if (cid == null) {
        progress.transition(job, JobState.FETCHING);
        long deadline = job.submittedAt + TimeUnit.SECONDS.toMillis(spec.timeoutSecs());
        String fetched;
        try {
          fetched =
              urls.fetch(
                  spec.jobId(),
                  spec.submitterDid(),
                  spec.input().url(),
                  spec.input().sha256(),
                  deadline,
                  breakOff -> job.assigned(CONNECTION, breakOff));
        } finally {
          job.unassigned(CONNECTION);
        }
        cid = store.fixFetchedInput(spec.jobId(), fetched);
      }
      return validator.withFetchedInput(spec, cid, blobs.readableSize(spec.submitterDid(), cid));
    } catch (MeshException e) {
      throw new TaskFailedException(e.reason(), e.getMessage());
    }
  }
}
