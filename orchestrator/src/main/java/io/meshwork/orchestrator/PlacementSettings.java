package io.meshwork.orchestrator;

import io.meshwork.runtime.config.Setting;
import java.time.Duration;

/**
 * The orchestrator's keys for placing a task ({@code rfc0016.*} and the waits around an
 * assignment), which end up in {@code TaskPipeline.Options}, declared with their types, defaults
 * and meanings; {@link OrchestratorSettings#KEYS} lists them with the rest. A class of their own
 * because one class of every key outgrew what a reader takes in at once.
 */
public final class PlacementSettings {
  /** T1: how long between announcements while nobody bids. */
  public static final Setting<Duration> RFC0016_T1 =
      Setting.millis(
              "rfc0016.t1-ms",
              500,
              "T1: how long to wait before announcing a task again when nobody bid.")
          .atLeast(Duration.ZERO);

  /** T2: how long bids are collected. */
  public static final Setting<Duration> RFC0016_T2 =
      Setting.millis("rfc0016.t2-ms", 1000, "T2: how long bids for a task are collected.")
          .atLeast(Duration.ofMillis(1));

  /** N1: how often a task is announced again. */
  public static final Setting<Integer> RFC0016_N1 =
      Setting.integer(
              "rfc0016.n1", 3, "N1: how many more times a task is announced while nobody bids.")
          .atLeast(0);

  /** N3: how often an unacknowledged assignment is retried. */
  public static final Setting<Integer> RFC0016_N3 =
      Setting.integer(
              "rfc0016.n3",
              2,
              "N3: how many more times an assignment is sent while the executor does not"
                  + " acknowledge it.")
          .atLeast(0);

  /** How long a task refused as BUSY waits. */
  public static final Setting<Duration> BUSY_BACKOFF =
      Setting.millis(
              "orchestrator.busy-backoff-ms",
              50,
              "A task refused as BUSY is auctioned again when a slot frees, or after ten of these"
                  + " at most.")
          .atLeast(Duration.ZERO);

  /** How often a running task's executor is probed. */
  public static final Setting<Duration> PROBE_INTERVAL =
      Setting.millis(
              "orchestrator.probe-interval-ms",
              500,
              "How often the executor of a running task, or the peer orchestrator running a task"
                  + " delegated to it (GetDelegation), is probed, so a dead or hung one fails the"
                  + " attempt early; 0 turns probes off (a member whose heartbeats stop is still"
                  + " noticed).")
          .atLeast(Duration.ZERO);

  /** How long a queued task waits before it is stolen. */
  public static final Setting<Duration> STEAL_AFTER =
      Setting.millis(
              "orchestrator.steal-after-ms",
              250,
              "A task still queued on a busy executor after this long is withdrawn when another"
                  + " executor has a free slot.")
          .atLeast(Duration.ZERO);

  /** How long an executor may hold an assignment to answer with the result. */
  public static final Setting<Duration> INLINE_RESULT =
      Setting.millis(
              "orchestrator.inline-result-ms",
              100,
              "How long an executor may hold an assignment to answer with the result itself; 0"
                  + " turns it off.")
          .between(Duration.ZERO, Duration.ofMillis(Integer.MAX_VALUE));

  /** Extra wait for a result past twice the wall-time limit. */
  public static final Setting<Long> RESULT_GRACE_MS =
      Setting.longValue(
              "orchestrator.result-grace-ms",
              10_000,
              "Without probes, a result is awaited for twice the wall-time limit plus this many"
                  + " milliseconds.")
          .atLeast(0L);

  private PlacementSettings() {}
}
