package io.meshwork.orchestrator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
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

  // The worked example extended to a tree (docs/ORCHESTRATOR.md, "One decision at every node"):
  // a root without executors, two sub-managers without executors, each with two workers.

  private static final long MIB = 1 << 20;

  private static ChunkPlan.Plan tree(long bytes, int ownSlots, int ownExecutors, int... peers) {
    List<ChunkPlan.PeerSlots> counted = new java.util.ArrayList<>();
    for (int i = 0; i < peers.length; i++) {
      counted.add(new ChunkPlan.PeerSlots("peer-" + (i + 1), peers[i]));
    }
    return ChunkPlan.plan(
        bytes,
        0,
        OptionalDouble.empty(),
        new ChunkPlan.Capacity(ownSlots, ownExecutors, counted),
        0,
        Long.MAX_VALUE,
        DEFAULTS);
  }

  @Test
  void theRootHandsEachSubManagerOneRangeInProportionToItsSubtreesFreeSlots() {
    // 192 MiB over 3 + 3 free slots below two sub-managers: score 32 MiB, 12 chunks of 16 MiB.
    ChunkPlan.Plan plan = tree(192 * MIB, 0, 0, 3, 3);
    assertEquals(32 * MIB, plan.score(), 1e-9);
    assertEquals(16 * MIB, plan.targetChunkBytes());
    assertEquals(ChunkPlan.Decision.SPLIT_AND_DELEGATE, plan.decision());
    assertEquals(
        List.of(new ChunkPlan.Group("peer-1", 0, 6), new ChunkPlan.Group("peer-2", 6, 12)),
        plan.assign(12, true));
  }

  @Test
  void aSubManagerScoresItsRangeTheSameWayAndSplitsItBetweenItsWorkers() {
    // Its 96 MiB range over workers with 1 and 2 free slots: score 32 MiB, 6 chunks of 16 MiB,
    // two to the first worker and four to the second.
    ChunkPlan.Plan plan = tree(96 * MIB, 0, 0, 1, 2);
    assertEquals(32 * MIB, plan.score(), 1e-9);
    assertEquals(
        List.of(new ChunkPlan.Group("peer-2", 0, 4), new ChunkPlan.Group("peer-1", 4, 6)),
        plan.assign(6, true));
  }

  @Test
  void aWorkerAtTheBottomSplitsOverItsOwnExecutors() {
    // 64 MiB on 2 free slots and no peers (its depth is spent): 4 chunks of 16 MiB, all here.
    ChunkPlan.Plan plan = tree(64 * MIB, 2, 2);
    assertEquals(ChunkPlan.Decision.SPLIT_HERE, plan.decision());
    assertEquals(16 * MIB, plan.targetChunkBytes());
    assertEquals(4, plan.assign(4, true).stream().filter(g -> !g.delegated()).count());
  }

  @Test
  void aNodeWithExecutorsKeepsItsShareAndHandsTheRestOn() {
    // 256 MiB on 2 free slots here and 6 at a peer: score 32 MiB, 16 chunks of 16 MiB; a quarter
    // run here one by one, the other 12 go to the peer as one range.
    ChunkPlan.Plan plan = tree(256 * MIB, 2, 1, 6);
    assertEquals(16 * MIB, plan.targetChunkBytes());
    assertEquals(
        List.of(
            new ChunkPlan.Group(null, 0, 1),
            new ChunkPlan.Group(null, 1, 2),
            new ChunkPlan.Group(null, 2, 3),
            new ChunkPlan.Group(null, 3, 4),
            new ChunkPlan.Group("peer-1", 4, 16)),
        plan.assign(16, true));
  }

  @Test
  void smallWorkAtANodeWithoutExecutorsGoesWholeToThePeerWithTheMostRoom() {
    ChunkPlan.Plan plan = tree(200_000, 0, 0, 1, 4);
    assertEquals(ChunkPlan.Decision.ONE_TASK_TO_PEER, plan.decision());
    assertEquals(List.of(new ChunkPlan.Group("peer-2", 0, 1)), plan.assign(1, true));
  }

  @Test
  void noMorePeersThanTheFanOutGetAShare() {
    ChunkPlan.Options fanOutTwo = new ChunkPlan.Options(16 << 20, 10.0, 64, 100_000, 2);
    ChunkPlan.Plan plan =
        ChunkPlan.plan(
            512 * MIB,
            0,
            OptionalDouble.empty(),
            new ChunkPlan.Capacity(
                0,
                0,
                List.of(
                    new ChunkPlan.PeerSlots("a", 2),
                    new ChunkPlan.PeerSlots("b", 5),
                    new ChunkPlan.PeerSlots("c", 3))),
            0,
            Long.MAX_VALUE,
            fanOutTwo);
    assertEquals(List.of("b", "c"), plan.peers().stream().map(ChunkPlan.PeerSlots::peer).toList());
  }
}
