package io.meshwork.orchestrator.jobs;

import io.meshwork.compute.v1.GetComputeCapacityResponse;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.orchestrator.mesh.ExecutorFleet;
import io.meshwork.orchestrator.mesh.ExecutorHandle;
import java.time.Duration;

/** Adds up the capacity reports of the executors that answer right now. */
public final class CapacityView {
  private final ExecutorFleet fleet;

  /** Reads the executors of {@code fleet}. */
  public CapacityView(ExecutorFleet fleet) {
    this.fleet = fleet;
  }

  /** The current total. Executors that do not answer within a second are left out. */
  public GetComputeCapacityResponse current() {
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
