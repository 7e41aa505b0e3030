package io.meshwork.orchestrator.jobs;

import java.util.Locale;

/** The states of a job, as ComputeJobStatus.status names them. */
public enum JobState {
  PENDING,
  /** The job's {@code input_url} is being fetched into the blob store. */
  FETCHING,
  ASSIGNED,
  COMPUTING,
  VERIFYING,
  COMPLETED,
  FAILED,
  CANCELLED;

  /** Whether the job has ended. */
  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  /** The wire name. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name. */
  public static JobState fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
