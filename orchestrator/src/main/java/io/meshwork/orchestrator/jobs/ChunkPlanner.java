package io.meshwork.orchestrator.jobs;

import io.meshwork.wasm.abi.SplitStrategy;
import java.util.logging.Logger;

/**
 * Decides the largest chunk to cut for a job, from its complexity score ({@link ChunkPlan}) against
 * the free capacity now, and fixes it in the journal the first time, so that a resumed job cuts
 * exactly the same chunks.
 */
final class ChunkPlanner {
  private static final Logger LOG = Logger.getLogger(ChunkPlanner.class.getName());

  private final CapacityView capacity;
  private final ModuleCosts costs;
  private final JobStore store;
  private final ChunkPlan.Options options;

  ChunkPlanner(
      CapacityView capacity, ModuleCosts costs, JobStore store, ChunkPlan.Options options) {
    this.capacity = capacity;
    this.costs = costs;
    this.store = store;
    this.options = options;
  }

  /** The largest chunk to cut for {@code spec}, as journaled. */
  long chunkBytes(JobSpec spec) {
    if (spec.splitStrategy() == SplitStrategy.NONE) {
      return spec.maxChunkSize();
    }
    FleetCapacity live = capacity.current();
    int free = Math.max(0, live.taskSlots() - Math.round(live.currentLoad() * live.taskSlots()));
    ChunkPlan.Plan plan =
        ChunkPlan.plan(
            spec.input().size(),
            spec.operationWeight(),
            costs.fuelPerByte(spec.moduleCid()),
            free,
            spec.minChunkSize(),
            spec.maxChunkSize(),
            options);
    long fixed = store.fixChunkSize(spec.jobId(), plan.targetChunkBytes());
    LOG.info(() -> "job " + spec.jobId() + ": " + plan.describe(spec.input().size()));
    return fixed;
  }
}
