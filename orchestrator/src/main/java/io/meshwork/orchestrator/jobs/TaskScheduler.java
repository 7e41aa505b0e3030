package io.meshwork.orchestrator.jobs;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admits tasks to run, at most {@code slots} at once across every job, in priority order.
 *
 * <p>A waiting task's rank is its job's priority plus one level for every {@code agingMillis} it
 * has waited, so a {@code critical} task submitted behind a queue of {@code low} ones starts first,
 * and a {@code low} task still starts after at most three aging periods behind a stream of {@code
 * critical} work. Among equal ranks the task that came first goes first.
 */
final class TaskScheduler {
  private final int slots;
  private final long agingMillis;
  private final Clock clock;
  // One lock, and a condition per waiter: a freed place wakes exactly the task admitted to it, not
  // every waiting task (hundreds of them under load) to find out which.
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Waiter> waiting = new ArrayList<>();
  private int running;
  private long sequence;

  private final class Waiter {
    final Priority priority;
    final long since;
    final long seq;
    final Condition turn = lock.newCondition();
    boolean admitted;

    Waiter(Priority priority, long since, long seq) {
      this.priority = priority;
      this.since = since;
      this.seq = seq;
    }
  }

  /** A scheduler with {@code slots} places. */
  TaskScheduler(int slots, long agingMillis, Clock clock) {
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be at least 1, got " + slots);
    }
    this.slots = slots;
    this.agingMillis = Math.max(1, agingMillis);
    this.clock = clock;
  }

  /** Blocks until a task of {@code priority} may run; pair with {@link #release()}. */
  void acquire(Priority priority) throws InterruptedException {
    lock.lock();
    try {
      Waiter me = new Waiter(priority, clock.millis(), sequence++);
      waiting.add(me);
      try {
        admitWhatFits();
        while (!me.admitted) {
          // Ranks are taken at admission time, so aging needs no wake-ups; the timeout is only
          // a safety net.
          me.turn.await(agingMillis, TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        if (me.admitted) {
          releaseLocked();
        } else {
          waiting.remove(me);
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Frees the place of a task that has ended. */
  void release() {
    lock.lock();
    try {
      releaseLocked();
    } finally {
      lock.unlock();
    }
  }

  private void releaseLocked() {
    running--;
    admitWhatFits();
  }

  /** Tasks waiting for a place. */
  int waitingCount() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  private void admitWhatFits() {
    while (running < slots && !waiting.isEmpty()) {
      Waiter best = null;
      long now = clock.millis();
      for (Waiter w : waiting) {
        if (best == null
            || rank(w, now) > rank(best, now)
            || (rank(w, now) == rank(best, now) && w.seq < best.seq)) {
          best = w;
        }
      }
      waiting.remove(best);
      best.admitted = true;
      running++;
      best.turn.signal();
    }
  }

  private long rank(Waiter w, long now) {
    return w.priority.ordinal() + (now - w.since) / agingMillis;
  }
}
