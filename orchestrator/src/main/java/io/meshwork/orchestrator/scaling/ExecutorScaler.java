package io.meshwork.orchestrator.scaling;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every interval, sets the executor count to what the backlog asks for ({@link ScalePolicy}). Only
 * the leading orchestrator runs one.
 */
public final class ExecutorScaler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ExecutorScaler.class.getName());

  private final ScalePolicy policy;
  private final Duration interval;
  private final DoubleSupplier backlog;
  private final ExecutorReplicas replicas;
  private final Clock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "executor-scaler");
            t.setDaemon(true);
            return t;
          });
  private long lastChange;

  /**
   * A scaler of {@code replicas} by {@code policy}, reading {@code backlog} (weighted bytes) every
   * {@code interval}.
   */
  public ExecutorScaler(
      ScalePolicy policy,
      Duration interval,
      DoubleSupplier backlog,
      ExecutorReplicas replicas,
      Clock clock) {
    this.policy = policy;
    this.interval = interval;
    this.backlog = backlog;
    this.replicas = replicas;
    this.clock = clock;
  }

  /** Starts the rounds, the first one at once. */
  public synchronized void start() {
    // A replica that has just taken over does not know when its predecessor last changed the
    // count: it waits a whole cool-down before it lowers it.
    lastChange = clock.millis();
    timer.scheduleWithFixedDelay(this::roundQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One round: reads the backlog and the count, and changes the count if the policy says so. */
  synchronized void round() {
    double work = backlog.getAsDouble();
    int current = replicas.current();
    long now = clock.millis();
    int next = policy.next(work, current, Duration.ofMillis(Math.max(0, now - lastChange)));
    if (next != current) {
      replicas.scaleTo(next);
      lastChange = now;
      LOG.info(
          () ->
              "executors: "
                  + current
                  + " -> "
                  + next
                  + " for a backlog of "
                  + Math.round(work)
                  + " weighted bytes");
    }
  }

  private void roundQuietly() {
    try {
      round();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not scale the executors; trying again next round", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
