package io.meshwork.orchestrator.trust;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Executors' reputations, from what this orchestrator verified and nothing else: a result confirmed
 * by another executor's independent run raises it, a result shown wrong lowers it hard, a lost
 * assignment (crash, stall, error) lowers it a little. Kept in the job journal, so it survives
 * restarts.
 *
 * <p>The score is a smoothed success ratio, {@code (verified + 1) / (verified + 2 + caught_weight x
 * caught + failure_weight x failed)}: a newcomer starts at 0.5, every confirmed result moves it
 * toward 1, and with the default weights two wrong results take a newcomer from 0.5 to 0.17, below
 * the default exclusion threshold of 0.2. The weights and thresholds are its {@link Options}.
 */
public final class Reputation {
  private static final Logger LOG = Logger.getLogger(Reputation.class.getName());

  /**
   * How reputation is computed and used.
   *
   * @param excludeBelow executors scoring below this get no work ({@code
   *     orchestrator.reputation.exclude-below})
   * @param caughtWeight how much a result shown wrong counts against an executor
   * @param failureWeight how much an assignment lost without a result counts against it
   * @param sampleRate the fraction of a newcomer's results that sample verification audits
   * @param recordHalving verified results after which the audit rate is halved
   * @param failureCooldown how long an executor excluded for lost assignments alone (never caught
   *     with a wrong result) stays excluded after its last failure; then it may bid again, and one
   *     result it delivers starts to forgive the failures
   */
  public record Options(
      double excludeBelow,
      double caughtWeight,
      double failureWeight,
      double sampleRate,
      double recordHalving,
      Duration failureCooldown) {
    /** The defaults: 0.2, 2, 0.5, 0.1, 20 and one minute. */
    public static Options defaults() {
      return new Options(0.2, 2.0, 0.5, 0.1, 20.0, Duration.ofMinutes(1));
    }
  }

  private final ExecutorRecords store;
  private final Clock clock;
  private final double excludeBelow;
  private final double caughtWeight;
  private final double failureWeight;
  private final double sampleRate;
  private final double recordHalving;
  private final long failureCooldownMillis;
  private final Map<String, ExecutorRecord> records = new ConcurrentHashMap<>();

  /** Reputations kept in {@code store}. */
  public Reputation(ExecutorRecords store, Options options, Clock clock) {
    this.store = store;
    this.clock = clock;
    this.excludeBelow = options.excludeBelow();
    this.caughtWeight = options.caughtWeight();
    this.failureWeight = options.failureWeight();
    this.sampleRate = options.sampleRate();
    this.recordHalving = options.recordHalving();
    this.failureCooldownMillis = options.failureCooldown().toMillis();
  }

  /** The executor's record. */
  public ExecutorRecord record(String did) {
    return records.computeIfAbsent(did, store::executor);
  }

  /** The executor's reputation, 0 to 1. */
  public double score(String did) {
    ExecutorRecord r = record(did);
    return (r.verified() + 1.0)
        / (r.verified() + 2.0 + caughtWeight * r.caught() + failureWeight * r.failed());
  }

  /**
   * Whether the executor may be given work: its reputation is at least the threshold, or it is low
   * from lost assignments alone and the last of them is older than the cool-down. Lost assignments
   * are often the mesh's doing (an overloaded machine, a network hiccup), and an executor excluded
   * for good could never deliver the results that restore it.
   */
  public boolean trusted(String did) {
    if (score(did) >= excludeBelow) {
      return true;
    }
    ExecutorRecord r = record(did);
    return r.caught() == 0 && clock.millis() - r.updatedAt() >= failureCooldownMillis;
  }

  /** The exclusion threshold. */
  public double threshold() {
    return excludeBelow;
  }

  /**
   * The fraction of this executor's results to re-run elsewhere (sample verification): the
   * configured rate, halved once its verified record reaches {@code record-halving} results, halved
   * again at twice that, and so on smoothly.
   */
  public double sampleRate(String did) {
    return sampleRate / (1.0 + record(did).verified() / recordHalving);
  }

  /** Another executor's independent run confirmed this executor's result. */
  public void verified(String did) {
    update(did, 1, 0, 0);
  }

  /** This executor returned a result shown wrong. */
  public void caught(String did, String why) {
    update(did, 0, 1, 0);
    LOG.warning(
        () ->
            "executor "
                + did
                + " returned a wrong result ("
                + why
                + "); reputation now "
                + String.format("%.2f", score(did)));
  }

  /** An assignment to this executor ended without a result. */
  public void failed(String did) {
    update(did, 0, 0, 1);
  }

  /**
   * This executor delivered a result that passed the checks: it forgives one lost assignment, since
   * both speak of whether it answers, not of whether it is honest (that is {@link #verified} and
   * {@link #caught}). Nothing is written when there is nothing to forgive.
   */
  public void completed(String did) {
    if (record(did).failed() > 0) {
      update(did, 0, 0, -1);
    }
  }

  private void update(String did, long verified, long caught, long failed) {
    // Saved inside the map's update so that concurrent updates reach the journal in order.
    records.compute(
        did,
        (k, r) -> {
          ExecutorRecord base = r == null ? store.executor(k) : r;
          ExecutorRecord next =
              new ExecutorRecord(
                  k,
                  base.verified() + verified,
                  base.caught() + caught,
                  Math.max(0, base.failed() + failed),
                  // Forgiving keeps the time: the cool-down counts from the last failure.
                  failed < 0 ? base.updatedAt() : clock.millis());
          store.saveExecutor(next);
          return next;
        });
  }
}
