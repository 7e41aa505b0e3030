package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.TaskSpec;

/**
 * The work still to be done here, scored as chunk planning scores a job: bytes of input times the
 * operation weight ({@link ChunkPlan}), over every job running here (the share of its chunks not
 * yet settled; all of it while it is not cut yet) and every task peers delegated here.
 *
 * <p>It is the demand the executor scaler sizes the fleet by, and what the orchestrator exports as
 * {@code meshwork_orchestrator_backlog} for autoscalers of its operators' own.
 */
final class Backlog {
  private final LiveJobs live;
  private final ModuleCosts costs;
  private final double scanFuelPerByte;

  Backlog(LiveJobs live, ModuleCosts costs, double scanFuelPerByte) {
    this.live = live;
    this.costs = costs;
    this.scanFuelPerByte = scanFuelPerByte;
  }

  /** The weighted bytes of work not yet done. */
  double weightedBytes() {
    double total = 0;
    for (RunningJob job : live.jobs()) {
      JobSpec spec = job.spec;
      int chunks;
      int settled;
      synchronized (job) {
        chunks = job.totalChunks;
        settled = job.completedChunks;
      }
      double left = chunks == 0 ? 1 : Math.max(0, chunks - settled) / (double) chunks;
      // A URL input's size is known once fetched; until then it counts for nothing.
      total +=
          Math.max(0, spec.input().size())
              * weight(spec.operationWeight(), spec.moduleCid())
              * left;
    }
    for (TaskSpec task : live.delegated()) {
      total += task.chunk().size() * weight(0, task.moduleCid());
    }
    return total;
  }

  private double weight(double hinted, String moduleCid) {
    return ChunkPlan.weight(hinted, costs.fuelPerByte(moduleCid), scanFuelPerByte);
  }
}
