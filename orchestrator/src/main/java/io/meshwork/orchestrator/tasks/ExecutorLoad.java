package io.meshwork.orchestrator.tasks;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This orchestrator's own count of its tasks on each executor, and the wait of tasks that found
 * every executor full (BUSY back-off).
 *
 * <p>Executors report their load, but bids made at the same moment all report the load from before
 * any of them was assigned; the count kept here is what keeps a burst of auctions from piling onto
 * the executor that looked idle to all of them.
 */
final class ExecutorLoad {
  private final Duration busyBackoff;
  private final Clock clock;
  // Tasks this orchestrator has placed on each executor and not yet heard back about, by DID.
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  // Tasks refused as BUSY wait here for one of ours to leave an executor.
  private final ReentrantLock freedLock = new ReentrantLock();
  private final Condition freed = freedLock.newCondition();
  private long slotsFreed;

  ExecutorLoad(Duration busyBackoff, Clock clock) {
    this.busyBackoff = busyBackoff;
    this.clock = clock;
  }

  /** A task of ours was assigned to {@code did}. */
  void assigned(String did) {
    inFlight.computeIfAbsent(did, k -> new AtomicInteger()).incrementAndGet();
  }

  /**
   * A task of ours left {@code did}: finished, failed or withdrawn. One the executor refused as
   * busy never held a place there, so it frees none and wakes nobody.
   */
  void left(String did, boolean heldAPlace) {
    inFlight.get(did).decrementAndGet();
    if (heldAPlace) {
      slotFreed();
    }
  }

  /** Our tasks on {@code did} now. */
  int ours(String did) {
    AtomicInteger mine = inFlight.get(did);
    return mine == null ? 0 : mine.get();
  }

  /**
   * The load the selection policy weighs: the executor's own report, or this orchestrator's count
   * of tasks in flight there over its slots when that is higher.
   */
  double liveLoad(Bid bid) {
    int slots = Math.max(1, bid.offer().taskSlots());
    double ours = (double) ours(bid.did()) / slots;
    return Math.max(bid.offer().currentLoad(), ours);
  }

  /** One of this orchestrator's tasks left an executor: wakes one task that found them full. */
  private void slotFreed() {
    freedLock.lock();
    try {
      slotsFreed++;
      freed.signal();
    } finally {
      freedLock.unlock();
    }
  }

  /**
   * After a BUSY refusal: waits until one of this orchestrator's tasks leaves an executor, at most
   * ten back-off periods, rather than auctioning again at a fixed pace. Each new auction costs
   * every executor a call, and under load most of them would find the executors still full.
   */
  void awaitFreedSlot(TaskSpec task, TaskControl control) {
    freedLock.lock();
    try {
      long seen = slotsFreed;
      long until = System.nanoTime() + busyBackoff.multipliedBy(10).toNanos();
      // In short steps, so that a cancelled job or a passed deadline ends the wait.
      long step = Math.max(1, busyBackoff.toNanos());
      while (slotsFreed == seen && !control.stopped() && clock.millis() < task.deadlineMillis()) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          break;
        }
        freed.awaitNanos(Math.min(left, step));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TaskFailedException("CANCELLED", "interrupted");
    } finally {
      freedLock.unlock();
    }
  }
}
