package io.meshwork.orchestrator.jobs;

import io.meshwork.compute.v1.GetComputeCapacityResponse;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.orchestrator.mesh.ExecutorFleet;
import io.meshwork.orchestrator.mesh.ExecutorHandle;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Adds up the capacity reports of the executors that answer right now. */
public final class CapacityView {
  private record Reading(long atNanos, GetComputeCapacityResponse total) {}

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
  public GetComputeCapacityResponse current() {
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
      GetComputeCapacityResponse total = read();
      // Timed when the reading ends: a slow executor must not make it stale on arrival.
      last.set(new Reading(System.nanoTime(), total));
      return total;
    } finally {
      refreshing.set(false);
    }
  }

  private GetComputeCapacityResponse read() {
    int cores = 0;
    long ram = 0;
    int slots = 0;
    int busy = 0;
    int live = 0;
    for (ExecutorHandle e : fleet.executors()) {
      try {
        GetCapacityResponse c = e.capacity(Duration.ofSeconds(1));
        cores += c.getCpuCores();
        ram += c.getRamMb();
        slots += c.getTaskSlots();
        busy += c.getRunningTasks() + c.getQueuedTasks();
        live++;
      } catch (RuntimeException unreachable) {
        // An executor that does not answer contributes no capacity.
      }
    }
    return GetComputeCapacityResponse.newBuilder()
        .setCpuCores(cores)
        .setRamMb(ram)
        .setCurrentLoad(slots == 0 ? 0f : (float) busy / slots)
        .setLiveExecutors(live)
        .setTaskSlots(slots)
        .build();
  }
}
