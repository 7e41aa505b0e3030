package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The capacity a node scores work against: the free slots of its own executors, and those its peers
 * report for their subtrees. A peer counts its own peers only as deep as it is asked to ({@code
 * peer_depth}), so that the question ends even where peers are configured in a circle.
 */
public final class TreeCapacity {
  private record Reading(long atNanos, OptionalInt slots) {}

  private final CapacityView own;
  private final PeerOrchestrators peers;
  private final int maxDepth;
  private final long maxAgeNanos;
  private final Map<String, Reading> readings = new ConcurrentHashMap<>();

  /**
   * Reads {@code own} executors and asks {@code peers}, never deeper than {@code maxDepth}, reusing
   * a peer's answer for up to {@code maxAge}.
   */
  public TreeCapacity(CapacityView own, PeerOrchestrators peers, int maxDepth, Duration maxAge) {
    this.own = own;
    this.peers = peers;
    this.maxDepth = maxDepth;
    this.maxAgeNanos = maxAge.toNanos();
  }

  /** The executors here: how many answer and how many of their slots are free. */
  FleetCapacity here() {
    return own.current();
  }

  /** Free task slots of the executors here that answer now. */
  static int freeSlots(FleetCapacity c) {
    return Math.max(0, c.taskSlots() - Math.round(c.currentLoad() * c.taskSlots()));
  }

  /**
   * What work that may still be delegated {@code depth} more times can be put on: the executors
   * here, and each peer's subtree (none at depth 0).
   */
  ChunkPlan.Capacity capacity(int depth) {
    FleetCapacity c = here();
    return new ChunkPlan.Capacity(freeSlots(c), c.liveExecutors(), peerSlots(depth));
  }

  /** Each peer that answers, with the free slots of its subtree, for work of {@code depth}. */
  List<ChunkPlan.PeerSlots> peerSlots(int depth) {
    List<ChunkPlan.PeerSlots> out = new ArrayList<>();
    if (depth <= 0) {
      return out;
    }
    // The peer may hand the work on depth - 1 more times: that is how deep it counts.
    int peerDepth = Math.min(depth, maxDepth) - 1;
    for (String peer : peers.peers()) {
      OptionalInt slots = peerFreeSlots(peer, peerDepth);
      if (slots.isPresent()) {
        out.add(new ChunkPlan.PeerSlots(peer, slots.getAsInt()));
      }
    }
    return out;
  }

  /** The answer to a delegator's question: free slots here plus {@code peerDepth} levels below. */
  public int treeFreeSlots(int peerDepth) {
    int total = freeSlots(here());
    for (ChunkPlan.PeerSlots p : peerSlots(Math.min(peerDepth, maxDepth))) {
      total += Math.max(0, p.freeSlots());
    }
    return total;
  }

  private OptionalInt peerFreeSlots(String peer, int peerDepth) {
    String key = peer + "@" + peerDepth;
    Reading r = readings.get(key);
    if (r != null && System.nanoTime() - r.atNanos() < maxAgeNanos) {
      return r.slots();
    }
    OptionalInt slots = peers.freeSlots(peer, peerDepth);
    readings.put(key, new Reading(System.nanoTime(), slots));
    return slots;
  }
}
