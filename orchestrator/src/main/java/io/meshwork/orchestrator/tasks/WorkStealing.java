package io.meshwork.orchestrator.tasks;

import io.meshwork.orchestrator.trust.Reputation;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds idle executors for tasks stuck in a busy executor's queue, and promises each free slot to
 * one withdrawn task at a time: one free slot must not draw every queued task of the mesh off its
 * executor at once.
 */
final class WorkStealing {
  private final ExecutorFleet fleet;
  private final Reputation reputation;
  private final ExecutorLoad load;
  private final Duration capacityWait;
  // Free slots promised to tasks withdrawn from a queue and not yet auctioned again, by DID.
  private final Map<String, AtomicInteger> claims = new ConcurrentHashMap<>();

  WorkStealing(
      ExecutorFleet fleet, Reputation reputation, ExecutorLoad load, Duration capacityWait) {
    this.fleet = fleet;
    this.reputation = reputation;
    this.load = load;
    this.capacityWait = capacityWait;
  }

  /**
   * Finds a trusted executor other than {@code busy} with a slot free now and not yet promised to
   * another withdrawn task, and promises it to this one; null if there is none. A slot counts as
   * taken when the executor reports it busy or this orchestrator has a task in flight there.
   */
  ExecutorCapacity claimIdleSlot(ExecutorHandle busy) {
    for (ExecutorHandle e : fleet.executors()) {
      if (e == busy) {
        continue;
      }
      ExecutorCapacity c;
      try {
        c = e.capacity(capacityWait);
      } catch (RuntimeException unreachable) {
        continue;
      }
      String did = c.executorDid();
      if (!reputation.trusted(did)) {
        continue;
      }
      int taken = Math.max(c.runningTasks() + c.queuedTasks(), load.ours(did));
      AtomicInteger promised = claims.computeIfAbsent(did, k -> new AtomicInteger());
      int p = promised.get();
      while (taken + p < c.taskSlots()) {
        if (promised.compareAndSet(p, p + 1)) {
          return c;
        }
        p = promised.get();
      }
    }
    return null;
  }

  /** Gives back a promised slot (the task was placed again, or gave up); null is ignored. */
  void release(String did) {
    if (did != null) {
      claims.get(did).decrementAndGet();
    }
  }
}
