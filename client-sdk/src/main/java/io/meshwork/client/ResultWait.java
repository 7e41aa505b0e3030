package io.meshwork.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * One wait for a job's result, made of as many GetJobResult calls as it takes: the orchestrator
 * answers each call after at most its own longest wait ({@code orchestrator.max-result-wait-ms}),
 * with the job's state if it has not ended, so a longer wait asks again with what is left.
 */
final class ResultWait {
  /** The contract's timeout_ms is a uint32; one call waits at most about 24 days. */
  private static final long MAX_CALL_MILLIS = Integer.MAX_VALUE;

  /**
   * The least time between two calls: an orchestrator whose longest wait is shorter (0, say)
   * answers at once, and the calls are then paced rather than made in a tight loop.
   */
  private static final long MIN_CALL_INTERVAL_MILLIS = 200;

  private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");

  private final long endNanos;
  private final long waitMillis;
  private long callStartedNanos;
  private boolean asked;

  /** A wait of {@code wait} for {@code jobId}'s result, starting now. */
  ResultWait(String jobId, Duration wait) {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(wait, "wait");
    if (wait.isNegative()) {
      throw new IllegalArgumentException("the wait must not be negative, got " + wait);
    }
    long now = System.nanoTime();
    // Saturates: a wait of centuries is a wait without end, not an overflow.
    long waitNanos =
        wait.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE / 4 : wait.toNanos();
    this.endNanos = now + waitNanos;
    this.waitMillis = waitNanos / 1_000_000;
  }

  /** How long the next call should ask the orchestrator to wait, in milliseconds. */
  long nextCallMillis() {
    callStartedNanos = System.nanoTime();
    // The first call asks for the whole wait; later ones for what is left of it.
    long left = asked ? (endNanos - callStartedNanos) / 1_000_000 : waitMillis;
    asked = true;
    return Math.min(MAX_CALL_MILLIS, Math.max(0, left));
  }

  /**
   * After a call answered {@code result}: -1 when the wait is over (the job ended, or the time is
   * up), else how many milliseconds to pause before the next call.
   */
  long pauseAfter(JobResult result) {
    long now = System.nanoTime();
    if (ended(result) || now >= endNanos) {
      return -1;
    }
    long took = (now - callStartedNanos) / 1_000_000;
    long left = (endNanos - now) / 1_000_000;
    return Math.max(0, Math.min(left, MIN_CALL_INTERVAL_MILLIS - took));
  }

  /** Whether the job behind {@code result} has ended: completed, failed or cancelled. */
  static boolean ended(JobResult result) {
    return result.success() || ENDED.contains(result.status().getStatus());
  }
}
