package io.meshwork.orchestrator.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How long finished jobs stay in the journal: every {@code interval}, the jobs that finished more
 * than {@code keepFinished} ago leave it (their rows, tasks and placements), their kept results are
 * let go in the blob store (whose own retention then removes them), and the journal gives the space
 * back. Unfinished jobs are never touched. Receipts anchored in the receipt log are not the
 * orchestrator's to remove: a user who wants to verify a job later keeps its proof bundle.
 *
 * <p>Only the replica that leads removes anything; a stand-by's journal is the leader's.
 */
public final class JobRetention implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(JobRetention.class.getName());

  /** Jobs removed per journal transaction. */
  static final int PAGE = 200;

  /**
   * The retention settings, as {@code orchestrator.retention.*} gives them.
   *
   * @param keepFinished how long a finished job stays in the journal after it ended
   * @param interval how often expired jobs are removed and the journal compacted
   */
  public record Options(Duration keepFinished, Duration interval) {
    public Options {
      if (!keepFinished.isPositive() || !interval.isPositive()) {
        throw new IllegalArgumentException("retention periods must be positive");
      }
    }
  }

  private final Options options;
  private final JobStore store;
  private final ResultBlobs results;
  private final BooleanSupplier leads;
  private final Clock clock;
  private final Thread sweeper;
  private volatile boolean closed;

  /**
   * Retention over {@code store} and {@code results}; its sweeps run on a thread of its own while
   * {@code leads} says this replica leads, until {@link #close}.
   */
  public JobRetention(
      Options options, JobStore store, ResultBlobs results, BooleanSupplier leads, Clock clock) {
    this.options = options;
    this.store = store;
    this.results = results;
    this.leads = leads;
    this.clock = clock;
    this.sweeper = Thread.ofPlatform().name("job-retention").daemon().unstarted(this::sweepEvery);
  }

  /** Starts the periodic sweeps; returns this. */
  public JobRetention start() {
    sweeper.start();
    return this;
  }

  /**
   * Removes every job that finished more than {@code keepFinished} ago, lets go of their results,
   * then compacts the journal; returns how many jobs left it. A job is let go in the blob store
   * before its rows go, so a crash in between leaves a row that the next sweep removes, never a
   * result kept for a job nobody knows any more.
   */
  public int sweep() {
    long cutoff = clock.millis() - options.keepFinished().toMillis();
    int removed = 0;
    List<String> due;
    do {
      due = store.finishedBefore(cutoff, PAGE);
      for (String jobId : due) {
        results.forgetResult(jobId);
      }
      int gone = store.forget(due);
      removed += gone;
      if (gone == 0) {
        // Nothing of this page could go (a job came back to life?): stop rather than spin.
        break;
      }
    } while (due.size() == PAGE);
    store.compact();
    return removed;
  }

  private void sweepEvery() {
    while (!closed) {
      try {
        TimeUnit.MILLISECONDS.sleep(options.interval().toMillis());
      } catch (InterruptedException e) {
        return;
      }
      if (closed || !leads.getAsBoolean()) {
        continue;
      }
      try {
        int removed = sweep();
        if (removed > 0) {
          LOG.fine(() -> "retention removed " + removed + " finished jobs from the journal");
        }
      } catch (RuntimeException e) {
        // The next sweep tries again; a journal that is down is the coordinator's to report.
        LOG.log(Level.WARNING, "job retention: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    sweeper.interrupt();
  }
}
