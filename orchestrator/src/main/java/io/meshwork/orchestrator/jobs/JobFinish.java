package io.meshwork.orchestrator.jobs;

import java.time.Clock;
import java.util.OptionalLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ends a job here, or lets go of it without ending it.
 *
 * <p>A job ends in an order that survives a crash or a deposed leader at any step: its outcome is
 * journaled first, and only once the journal holds it, and the ledger has acknowledged every
 * payment the job owes ({@link PaymentOutbox}), does the rest of its hold return. A leader that was
 * deposed meanwhile finds its journal write refused ({@link FencedOutException}) and leaves the
 * hold alone, since the new leader resumes the job and pays from it; if the journal cannot be
 * written at all, the hold is kept too, and runs out by itself at its expiry.
 *
 * <p>A run broken off because this orchestrator stops (or was deposed) ends nothing: the journal
 * keeps the job unfinished and whoever leads next, this process after a restart or a stand-by
 * replica, resumes it.
 */
final class JobFinish {
  private static final Logger LOG = Logger.getLogger(JobFinish.class.getName());

  private final PaymentOutbox outbox;
  private final InputBlobs blobs;
  private final JobProgress progress;
  private final LiveJobs live;
  private final Clock clock;

  JobFinish(
      PaymentOutbox outbox, InputBlobs blobs, JobProgress progress, LiveJobs live, Clock clock) {
    this.outbox = outbox;
    this.blobs = blobs;
    this.progress = progress;
    this.live = live;
    this.clock = clock;
  }

  /** Ends the job in {@code state}: journals it, returns the unspent mana, tells the watchers. */
  void end(RunningJob job, JobState state, ResultContent result, String error) {
    synchronized (job) {
      job.state = state;
      job.result = result;
      job.errorMessage = error;
      job.finishedAt = clock.millis();
    }
    try {
      try {
        progress.record(job);
      } catch (FencedOutException deposed) {
        LOG.info(
            "job " + job.spec.jobId() + " is left to the orchestrator that leads now: " + deposed);
        return;
      } catch (RuntimeException e) {
        LOG.log(
            Level.WARNING,
            "the end of job "
                + job.spec.jobId()
                + " could not be journaled; its hold is kept until it expires",
            e);
        return;
      }
      returnRest(job, state);
      // Its input blob, chunk results and merge input, whichever it has: each starts its
      // retention period now. A stored result is kept by a use of its own
      // (ResultBlobs.keepResult), which this leaves alone.
      try {
        blobs.release(job.spec.jobId());
      } catch (RuntimeException e) {
        // The blob is then kept until a later release; the job's outcome stands.
        LOG.log(Level.WARNING, "releasing the blobs of job " + job.spec.jobId() + " failed", e);
      }
    } finally {
      // Whoever waits for the result hears the outcome even if the journal could not record it.
      progress.notifyWatchers(job);
      letGo(job);
    }
  }

  /**
   * Lets go of a job whose run was broken off by this orchestrator stopping or being deposed:
   * nothing is journaled or returned, so the job stays unfinished for whoever resumes it.
   */
  void breakOff(RunningJob job) {
    LOG.info("job " + job.spec.jobId() + " was broken off; it resumes from the journal");
    letGo(job);
  }

  private void returnRest(RunningJob job, JobState state) {
    // The outbox releases the hold only once every payment the job owes is acknowledged: now if
    // the ledger answers and nothing is owed, otherwise later, recording the refund itself.
    OptionalLong released = outbox.ended(job.spec.jobId(), state.wireName());
    if (released.isEmpty()) {
      return;
    }
    synchronized (job) {
      job.refunded = released.getAsLong();
    }
    try {
      progress.record(job);
    } catch (RuntimeException e) {
      // The ledger holds the refund, and the outbox journaled it; only this copy is missing.
      LOG.log(Level.WARNING, "journaling the refund of job " + job.spec.jobId() + " failed", e);
    }
  }

  private void letGo(RunningJob job) {
    live.remove(job);
    live.release(job.spec.submitterDid());
    job.done.complete(null);
  }
}
