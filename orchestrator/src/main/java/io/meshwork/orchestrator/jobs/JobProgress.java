package io.meshwork.orchestrator.jobs;

import java.time.Clock;
import java.util.function.Consumer;

/** Makes a running job's change known: journaled first, then told to everyone watching the job. */
final class JobProgress {
  private final JournalWriter journal;
  private final Clock clock;

  JobProgress(JournalWriter journal, Clock clock) {
    this.journal = journal;
    this.clock = clock;
  }

  /** The job's state changed: journals it, then tells the watchers. */
  void changed(RunningJob job) {
    journal.persist(job);
    notifyWatchers(job);
  }

  /** Journals the job's row as it is now, without telling the watchers (yet). */
  void record(RunningJob job) {
    journal.persist(job);
  }

  /** Moves the job to {@code state}. */
  void transition(RunningJob job, JobState state) {
    synchronized (job) {
      job.state = state;
    }
    changed(job);
  }

  /** Tells the watchers the job's status now; a watcher that fails is dropped. */
  void notifyWatchers(RunningJob job) {
    JobStatus status = JobQueries.status(job, clock.millis());
    for (Consumer<JobStatus> w : job.watchers) {
      try {
        w.accept(status);
      } catch (RuntimeException e) {
        job.watchers.remove(w);
      }
    }
  }
}
