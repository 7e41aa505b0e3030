package io.meshwork.orchestrator.jobs;

/**
 * Writes running jobs' rows to the journal, coalescing the writes of one job: many tasks settling
 * at once cost a couple of writes, not one each.
 */
final class JournalWriter {
  private final JobStore store;

  JournalWriter(JobStore store) {
    this.store = store;
  }

  /**
   * Writes the job's row as it is now and returns once a snapshot at least this recent is on disk.
   * Writes of one job never overlap, so an older snapshot cannot land after a newer one; callers
   * that arrive while a write is under way wait for it, and then the next writer's snapshot covers
   * them all. The wait releases the job's lock, so nobody spins on it while the journal syncs. The
   * update leaves the submitted columns (the manifest) alone.
   */
  void persist(RunningJob job) {
    long wanted;
    synchronized (job) {
      wanted = ++job.snapshotsAsked;
    }
    boolean interrupted = false;
    while (true) {
      JobRecord snapshot;
      long covers;
      synchronized (job) {
        while (job.writing && job.snapshotsWritten < wanted) {
          try {
            job.wait();
          } catch (InterruptedException e) {
            // A journal write takes milliseconds: finish waiting for it (a stopping job still
            // records how it ended), and keep the interrupt for the caller.
            interrupted = true;
          }
        }
        if (job.snapshotsWritten >= wanted) {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
          return;
        }
        job.writing = true;
        covers = job.snapshotsAsked;
        snapshot = record(job, null);
      }
      boolean written = false;
      try {
        store.update(snapshot);
        written = true;
      } finally {
        synchronized (job) {
          job.writing = false;
          if (written) {
            job.snapshotsWritten = Math.max(job.snapshotsWritten, covers);
          }
          job.notifyAll();
        }
      }
    }
  }

  /** The job's row as it is now; {@code manifest} only when the row is first inserted. */
  static JobRecord record(RunningJob job, JobManifest manifest) {
    synchronized (job) {
      return new JobRecord(
          job.spec.jobId(),
          job.spec.submitterDid(),
          job.state,
          manifest,
          job.spec.manifestDigest(),
          job.holdId,
          job.spec.manaBudget(),
          job.spent,
          job.refunded,
          job.totalChunks,
          job.completedChunks,
          job.errorMessage,
          job.result == null ? null : job.result.bytes(),
          job.result == null ? null : job.result.cid(),
          job.submittedAt,
          job.finishedAt,
          job.result == null ? 0 : job.result.size(),
          job.result != null && job.result.stored());
    }
  }
}
