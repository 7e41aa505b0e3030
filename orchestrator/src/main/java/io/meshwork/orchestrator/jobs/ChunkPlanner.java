package io.meshwork.orchestrator.jobs;

import io.meshwork.wasm.abi.SplitStrategy;
import java.util.OptionalDouble;
import java.util.logging.Logger;

/**
 * Makes the complexity decision ({@link ChunkPlan}) against the capacity now: for a job submitted
 * here, fixing its chunk size in the journal the first time, so that a resumed job cuts exactly the
 * same chunks; and for a task a peer delegated here, the same decision over the task's input.
 */
final class ChunkPlanner {
  private static final Logger LOG = Logger.getLogger(ChunkPlanner.class.getName());

  private final TreeCapacity capacity;
  private final ModuleCosts costs;
  private final JobStore store;
  private final ChunkPlan.Options options;

  ChunkPlanner(
      TreeCapacity capacity, ModuleCosts costs, JobStore store, ChunkPlan.Options options) {
    this.capacity = capacity;
    this.costs = costs;
    this.store = store;
    this.options = options;
  }

  /**
   * The plan for {@code spec}, whose tasks may be delegated {@code depth} more times, with its
   * chunk size as journaled.
   */
  ChunkPlan.Plan plan(JobSpec spec, int depth) {
    ChunkPlan.Capacity here = capacity.capacity(depth);
    ChunkPlan.Plan plan;
    if (spec.splitStrategy() == SplitStrategy.NONE) {
      plan = ChunkPlan.plan(0, 1, OptionalDouble.empty(), here, 0, spec.maxChunkSize(), options);
    } else {
      plan =
          ChunkPlan.plan(
              spec.input().size(),
              spec.operationWeight(),
              costs.fuelPerByte(spec.moduleCid()),
              here,
              spec.minChunkSize(),
              spec.maxChunkSize(),
              options);
    }
    long fixed = store.fixChunkSize(spec.jobId(), plan.targetChunkBytes());
    LOG.info(() -> "job " + spec.jobId() + ": " + plan.describe(spec.input().size()));
    return withChunkBytes(plan, fixed);
  }

  /**
   * The plan for a delegated task of {@code size} bytes of module {@code moduleCid}, which may be
   * delegated {@code depth} more times.
   */
  ChunkPlan.Plan plan(
      String taskId,
      long size,
      double hintedWeight,
      String moduleCid,
      long minChunk,
      long maxChunk,
      int depth) {
    ChunkPlan.Plan plan =
        ChunkPlan.plan(
            size,
            hintedWeight,
            costs.fuelPerByte(moduleCid),
            capacity.capacity(depth),
            minChunk,
            maxChunk <= 0 ? Long.MAX_VALUE : maxChunk,
            options);
    LOG.info(() -> "delegated task " + taskId + ": " + plan.describe(size));
    return plan;
  }

  private static ChunkPlan.Plan withChunkBytes(ChunkPlan.Plan p, long chunkBytes) {
    return new ChunkPlan.Plan(
        p.weight(),
        p.weightSource(),
        p.freeSlots(),
        p.score(),
        p.threshold(),
        chunkBytes,
        p.decision(),
        p.ownSlots(),
        p.ownExecutors(),
        p.peers());
  }
}
