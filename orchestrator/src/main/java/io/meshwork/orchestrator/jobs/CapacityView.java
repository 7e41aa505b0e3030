package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.ExecutorCapacity;
import io.meshwork.orchestrator.tasks.ExecutorFleet;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Adds up the capacity reports of the executors that answer right now. */
public final class CapacityView {
  private record Reading(long atNanos, FleetCapacity total) {}

  private final ExecutorFleet fleet;
  private final long maxAgeNanos;
  private final AtomicReference<Reading> last = new AtomicReference<>();
  private final AtomicBoolean refreshing = new AtomicBoolean();

  /** Reads the executors of {@code fleet} on every call. */
  public CapacityView(ExecutorFleet fleet) {
    this(fleet, Duration.ZERO);
  }

  /**
   * Reads the executors of {@code fleet}, answering from a reading up to {@code maxAge} old: a
   * burst of submissions then costs each executor one capacity call, not one per job.
   */
  public CapacityView(ExecutorFleet fleet, Duration maxAge) {
    this.fleet = fleet;
    this.maxAgeNanos = maxAge.toNanos();
  }

  /** The current total. Executors that do not answer within a second are left out. */
  public FleetCapacity current() {
    if (maxAgeNanos == 0) {
      return read();
    }
    Reading r = last.get();
    if (r != null && System.nanoTime() - r.atNanos() < maxAgeNanos) {
      return r.total();
    }
    // One caller reads the fleet; those arriving meanwhile take the previous reading, if any.
    if (!refreshing.compareAndSet(false, true)) {
      return r != null ? r.total() : read();
    }
    try {
      FleetCapacity total = read();
      // Timed when the reading ends: a slow executor must not make it stale on arrival.
      last.set(new Reading(System.nanoTime(), total));
      return total;
    } finally {
      refreshing.set(false);
    }
  }

  private FleetCapacity read() {
    int cores = 0;
    long ram = 0;
    int slots = 0;
    int busy = 0;
    int live = 0;
    for (ExecutorHandle e : fleet.executors()) {
      try {
        ExecutorCapacity c = e.capacity(Duration.ofSeconds(1));
        cores += c.cpuCores();
        ram += c.ramMb();
        slots += c.taskSlots();
        busy += c.runningTasks() + c.queuedTasks();
        live++;
      } catch (RuntimeException unreachable) {
        // An executor that does not answer contributes no capacity.
      }
    }
    return new FleetCapacity(cores, ram, slots == 0 ? 0f : (float) busy / slots, live, slots);
  }
}
