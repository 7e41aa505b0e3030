package io.meshwork.orchestrator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The worked examples of docs/ORCHESTRATOR.md, "How big the chunks are". */
class ChunkPlanTest {
  private static final ChunkPlan.Options DEFAULTS = ChunkPlan.Options.defaults();

  @Test
  void aSmallJobRunsAsOneTask() {
    // 200 KB of plain scanning on 4 free slots: score 51,200, far below 16 MiB.
    ChunkPlan.Plan plan =
        ChunkPlan.plan(204_800, 0, OptionalDouble.empty(), 4, 0, 16 << 20, DEFAULTS);
    assertEquals(51_200, plan.score(), 1e-9);
    assertEquals(16 << 20, plan.targetChunkBytes());
  }

  @Test
  void aHeavyJobIsCutSoThatEveryShareWeighsAtMostTheThreshold() {
    // 128 MiB of matrix work hinted at weight 8 on 4 free slots: 1 GiB weighted, score 256 MiB
    // per slot; 64 chunks of 2 MiB each weigh 16 MiB.
    ChunkPlan.Plan plan =
        ChunkPlan.plan(128L << 20, 8, OptionalDouble.empty(), 4, 0, 16 << 20, DEFAULTS);
    assertEquals(256L << 20, plan.score(), 1e-9);
    assertEquals(2 << 20, plan.targetChunkBytes());
  }

  @Test
  void aJobJustAboveTheThresholdIsSpreadOverEveryFreeSlot() {
    // 96 MiB at weight 1 on 4 slots: score 24 MiB; 96 weighted MiB would be 6 chunks, and 6 >= 4.
    ChunkPlan.Plan plan =
        ChunkPlan.plan(96L << 20, 1, OptionalDouble.empty(), 4, 0, 64L << 20, DEFAULTS);
    assertEquals(16L << 20, plan.targetChunkBytes());
    // With 16 free slots its score is 6 MiB: small for this mesh, so it is not split beyond its
    // max_chunk_size.
    ChunkPlan.Plan wide =
        ChunkPlan.plan(96L << 20, 1, OptionalDouble.empty(), 16, 0, 64L << 20, DEFAULTS);
    assertEquals(64L << 20, wide.targetChunkBytes());
  }

  @Test
  void measuredFuelStandsInForAMissingHintAndChunkBoundsHold() {
    // 80 fuel per byte measured = weight 8 against a plain scan's 10.
    ChunkPlan.Plan plan =
        ChunkPlan.plan(128L << 20, 0, OptionalDouble.of(80), 4, 4 << 20, 16 << 20, DEFAULTS);
    assertEquals(8.0, plan.weight(), 1e-9);
    assertEquals(4 << 20, plan.targetChunkBytes(), "never below min_chunk_size");
  }
}
