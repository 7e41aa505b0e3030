package io.meshwork.orchestrator.scaling;

import java.time.Duration;

/**
 * How many executors the backlog asks for:
 *
 * <pre>
 *   desired = clamp(ceil(backlog / work-per-executor), min-executors, max-executors)
 * </pre>
 *
 * <p>The backlog is in weighted bytes (input bytes times operation weight, the complexity score's
 * numerator), and so is {@code workPerExecutor}: the share of it one executor is meant to carry.
 * More executors are asked for at once; fewer only once {@code cooldown} has passed since the last
 * change, so that a dip between two jobs does not stop executors the next job needs.
 *
 * @param minExecutors the fewest executors, whatever the backlog (at least 0)
 * @param maxExecutors the most (at least {@code minExecutors})
 * @param workPerExecutor weighted bytes per executor (greater than 0)
 * @param cooldown how long after a change the count may go down
 */
public record ScalePolicy(
    int minExecutors, int maxExecutors, double workPerExecutor, Duration cooldown) {
  /** Checks the bounds. */
  public ScalePolicy {
    if (minExecutors < 0 || maxExecutors < minExecutors) {
      throw new IllegalArgumentException(
          "executors must be 0 <= min <= max, got min " + minExecutors + ", max " + maxExecutors);
    }
    if (!(workPerExecutor > 0)) {
      throw new IllegalArgumentException("work per executor must be above 0: " + workPerExecutor);
    }
  }

  /** The executors {@code backlog} (weighted bytes) asks for, within the bounds. */
  public int desired(double backlog) {
    double wanted = Math.ceil(Math.max(0, backlog) / workPerExecutor);
    return (int) Math.max(minExecutors, Math.min(maxExecutors, wanted));
  }

  /**
   * The count to set now: {@link #desired} when it is higher than {@code current}, or lower and the
   * cool-down has passed since the last change; else {@code current}.
   *
   * @param sinceLastChange how long ago the count last changed
   */
  public int next(double backlog, int current, Duration sinceLastChange) {
    int wanted = desired(backlog);
    if (wanted > current || (wanted < current && sinceLastChange.compareTo(cooldown) >= 0)) {
      return wanted;
    }
    return current;
  }
}
