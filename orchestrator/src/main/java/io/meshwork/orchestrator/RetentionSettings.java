package io.meshwork.orchestrator;

import io.meshwork.orchestrator.jobs.JobRetention;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import java.time.Duration;
import java.util.List;

/**
 * The orchestrator's keys for how long finished jobs stay in its journal and how often the journal
 * is compacted; parsed once by {@link #options}. The blob store's own retention ({@code
 * blobs.retention}) then decides how long a forgotten job's blobs outlive it.
 */
public final class RetentionSettings {
  /** How long a finished job stays in the journal. */
  public static final Setting<Duration> FINISHED_JOBS =
      Setting.duration(
              "orchestrator.retention.finished-jobs",
              Duration.ofDays(30),
              "How long a completed, failed or cancelled job stays in the journal after it ended"
                  + " (its status, result, tasks and placements); then it is removed, and its"
                  + " kept result blob is left to blobs.retention. Receipts in the receipt log"
                  + " stay.")
          .atLeast(Duration.ofSeconds(1));

  /** How often expired jobs are removed. */
  public static final Setting<Duration> COMPACT_INTERVAL =
      Setting.duration(
              "orchestrator.retention.compact-interval",
              Duration.ofHours(1),
              "How often the jobs past orchestrator.retention.finished-jobs are removed and the"
                  + " journal compacted (SQLite: VACUUM once a quarter of the file is free, and the"
                  + " WAL truncated; PostgreSQL: VACUUM of the journal's tables).")
          .atLeast(Duration.ofMillis(100));

  /** Every retention key, in the order the documentation lists them. */
  public static final List<Setting<?>> KEYS = List.of(FINISHED_JOBS, COMPACT_INTERVAL);

  private RetentionSettings() {}

  /** The retention options the settings give. */
  public static JobRetention.Options options(Settings s) {
    return new JobRetention.Options(s.get(FINISHED_JOBS), s.get(COMPACT_INTERVAL));
  }
}
