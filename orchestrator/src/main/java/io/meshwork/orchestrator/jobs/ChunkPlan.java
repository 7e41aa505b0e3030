package io.meshwork.orchestrator.jobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The one complexity decision every node of the mesh makes, for a job submitted to it and for a
 * task delegated to it alike: run the work as one task, split it over its own executors, or split
 * it and hand sub-ranges to peer orchestrators, which decide the same way. The score is
 *
 * <pre>
 *   score = data_size x operation_weight / available_capacity
 * </pre>
 *
 * <p>{@code data_size} is the input in bytes. {@code operation_weight} is the manifest's hint
 * ({@code complexity.operation_weight}) when given, else what this module was measured to need: its
 * fuel per input byte in earlier chunks here, over {@code orchestrator.scan-fuel-per-byte} (the
 * fuel per byte of a plain scan, 10), else 1. {@code available_capacity} is the free task slots of
 * this node's executors that answer now plus, where the work may still be delegated, the free slots
 * its peers report for their own subtrees (at least 1). The score is thus weighted bytes per free
 * slot.
 *
 * <p>At or below {@code orchestrator.split-threshold} (16 MiB) the work is small: it runs as one
 * task, unless its input is larger than its {@code max_chunk_size}. Above it, the work is cut so
 * that every free slot gets a share and no share weighs more than the threshold: {@code chunks =
 * max(available_capacity, ceil(data_size x weight / threshold))}, and the chunk size is {@code
 * data_size / chunks}, kept within {@code min_chunk_size} and {@code max_chunk_size}.
 *
 * <p>The chunks are then shared out in proportion to the free slots counted: this node's share runs
 * here, a chunk a task, and each peer's share goes to that peer as one contiguous range, which it
 * scores and cuts again against its own capacity.
 */
final class ChunkPlan {
  /**
   * The operator's settings of the plan.
   *
   * @param splitThreshold the score at or below which a job is small ({@code
   *     orchestrator.split-threshold})
   * @param scanFuelPerByte the fuel per input byte of a plain scan, the unit of measured weight
   *     ({@code orchestrator.scan-fuel-per-byte})
   * @param minChunkBytes the smallest chunk ever planned ({@code orchestrator.min-chunk-bytes})
   * @param maxChunks the most chunks ever planned for one job ({@code
   *     orchestrator.max-chunks-per-job})
   * @param maxFanOut the most peers one node hands parts of one task to ({@code
   *     orchestrator.max-delegation-fan-out})
   */
  record Options(
      double splitThreshold,
      double scanFuelPerByte,
      long minChunkBytes,
      int maxChunks,
      int maxFanOut) {
    /** 16 MiB, 10, 64 bytes, 100,000 chunks and 8 peers. */
    static Options defaults() {
      return new Options(16 << 20, 10.0, 64, 100_000, 8);
    }
  }

  /**
   * What a node can put work on.
   *
   * @param ownFreeSlots free task slots of its executors that answer now
   * @param ownExecutors its executors that answer now (busy or not)
   * @param peers the free slots each peer reports for its subtree; empty when the work may not be
   *     delegated (no peers, or no delegation depth left)
   */
  record Capacity(int ownFreeSlots, int ownExecutors, List<PeerSlots> peers) {
    /** This node's executors only. */
    static Capacity own(int freeSlots) {
      return new Capacity(freeSlots, 1, List.of());
    }
  }

  /** A peer orchestrator ("host:port") and the free slots it reports for its subtree. */
  record PeerSlots(String peer, int freeSlots) {}

  /** Where the work goes. */
  enum Decision {
    /** One task, on this node's executors. */
    ONE_TASK,
    /** One task, handed whole to a peer (this node has no executors that answer). */
    ONE_TASK_TO_PEER,
    /** Chunks, all on this node's executors. */
    SPLIT_HERE,
    /** Chunks, some here and contiguous ranges of them to peers. */
    SPLIT_AND_DELEGATE
  }

  /**
   * A run of consecutive chunks and where it goes.
   *
   * @param peer the peer it is handed to as one range, or null for a chunk run here
   * @param from the first chunk
   * @param to one past the last chunk (a group run here is always one chunk)
   */
  record Group(String peer, int from, int to) {
    boolean delegated() {
      return peer != null;
    }
  }

  /**
   * The plan.
   *
   * @param freeSlots the capacity divided by: own free slots plus the peers' used
   * @param targetChunkBytes the largest chunk to cut
   * @param ownSlots the free slots of this node's executors that get a share
   * @param ownExecutors this node's executors that answer now
   * @param peers the peers that get a share, with their free slots
   */
  record Plan(
      double weight,
      String weightSource,
      int freeSlots,
      double score,
      double threshold,
      long targetChunkBytes,
      Decision decision,
      int ownSlots,
      int ownExecutors,
      List<PeerSlots> peers) {
    String describe(long dataSize) {
      return String.format(
          Locale.ROOT,
          "score %.0f = %d bytes x weight %.2f (%s) / %d free slots (%d here, %d at %d peers);"
              + " threshold %.0f; chunks of at most %d bytes: %s",
          score,
          dataSize,
          weight,
          weightSource,
          freeSlots,
          ownSlots,
          freeSlots - ownSlots,
          peers.size(),
          threshold,
          targetChunkBytes,
          decision);
    }

    /**
     * Shares {@code chunks} consecutive chunks out in proportion to the free slots: this node's
     * share first, a group per chunk, then each peer's share as one group (none for a share of
     * nothing). With {@code byRange} false each chunk is a group of its own, its target picked the
     * same way (for chunks that cannot be put together into one range).
     */
    List<Group> assign(int chunks, boolean byRange) {
      List<Group> groups = new ArrayList<>();
      if (decision == Decision.ONE_TASK_TO_PEER) {
        String best = peers.get(0).peer();
        for (int i = 0; i < chunks; i++) {
          groups.add(new Group(best, i, i + 1));
        }
        return groups;
      }
      if (decision == Decision.ONE_TASK || decision == Decision.SPLIT_HERE || peers.isEmpty()) {
        for (int i = 0; i < chunks; i++) {
          groups.add(new Group(null, i, i + 1));
        }
        return groups;
      }
      long[] weights = new long[peers.size() + 1];
      weights[0] = ownSlots;
      for (int p = 0; p < peers.size(); p++) {
        weights[p + 1] = Math.max(0, peers.get(p).freeSlots());
      }
      int[] shares = shares(chunks, weights);
      int next = 0;
      for (int i = 0; i < shares[0]; i++, next++) {
        groups.add(new Group(null, next, next + 1));
      }
      for (int p = 0; p < peers.size(); p++) {
        int n = shares[p + 1];
        if (n == 0) {
          continue;
        }
        if (byRange) {
          groups.add(new Group(peers.get(p).peer(), next, next + n));
          next += n;
        } else {
          for (int i = 0; i < n; i++, next++) {
            groups.add(new Group(peers.get(p).peer(), next, next + 1));
          }
        }
      }
      return groups;
    }
  }

  private ChunkPlan() {}

  /** The plan for a node with {@code freeSlots} free slots of its own and no peers. */
  static Plan plan(
      long dataSize,
      double hintedWeight,
      OptionalDouble measuredFuelPerByte,
      int freeSlots,
      long minChunk,
      long maxChunk,
      Options options) {
    return plan(
        dataSize,
        hintedWeight,
        measuredFuelPerByte,
        Capacity.own(freeSlots),
        minChunk,
        maxChunk,
        options);
  }

  /** The plan for work of {@code dataSize} bytes on a node with {@code capacity}. */
  static Plan plan(
      long dataSize,
      double hintedWeight,
      OptionalDouble measuredFuelPerByte,
      Capacity capacity,
      long minChunk,
      long maxChunk,
      Options options) {
    double weight = weight(hintedWeight, measuredFuelPerByte, options.scanFuelPerByte());
    String source =
        hintedWeight > 0
            ? "the manifest's hint"
            : measuredFuelPerByte.isPresent() ? "measured fuel per byte" : "default";
    // The peers with the most room, at most the fan-out; a node without executors that answer
    // hands its work to its peers even when they report no free slot now (their executors may
    // have queues), rather than to nobody.
    List<PeerSlots> peers =
        capacity.peers().stream()
            .sorted(Comparator.comparingInt(PeerSlots::freeSlots).reversed())
            .filter(p -> p.freeSlots() > 0 || capacity.ownExecutors() == 0)
            .limit(Math.max(0, options.maxFanOut()))
            .toList();
    if (capacity.ownExecutors() == 0 && peers.stream().allMatch(p -> p.freeSlots() <= 0)) {
      peers = peers.stream().map(p -> new PeerSlots(p.peer(), 1)).toList();
    }
    int own = Math.max(0, capacity.ownFreeSlots());
    int peerSlots = peers.stream().mapToInt(PeerSlots::freeSlots).sum();
    if (own + peerSlots == 0 && capacity.ownExecutors() > 0) {
      // Every executor here is busy and no peer has room: the work waits in their queues.
      own = 1;
    }
    int slots = Math.max(1, own + peerSlots);
    double threshold = options.splitThreshold();
    double weighted = dataSize * weight;
    double score = weighted / slots;
    long target;
    if (score <= threshold) {
      target = maxChunk;
    } else {
      long chunks = Math.max(slots, (long) Math.ceil(weighted / threshold));
      target = Math.max(1, (long) Math.ceil((double) dataSize / chunks));
      // A heavy weight hint must not plan chunks smaller than the floor, nor more than the cap.
      long fewestBytes = Math.max(options.minChunkBytes(), ceilDiv(dataSize, options.maxChunks()));
      target = Math.min(maxChunk, Math.max(Math.max(fewestBytes, minChunk), target));
    }
    Decision decision;
    if (target >= dataSize) {
      decision =
          capacity.ownExecutors() == 0 && !peers.isEmpty()
              ? Decision.ONE_TASK_TO_PEER
              : Decision.ONE_TASK;
    } else if (peers.isEmpty() || peerSlots == 0) {
      decision = Decision.SPLIT_HERE;
    } else {
      decision = Decision.SPLIT_AND_DELEGATE;
    }
    return new Plan(
        weight,
        source,
        slots,
        score,
        threshold,
        target,
        decision,
        own,
        capacity.ownExecutors(),
        peers);
  }

  /**
   * The operation weight of a job: the manifest's hint when given, else the module's measured fuel
   * per byte over {@code scanFuelPerByte}, else 1.
   */
  static double weight(
      double hintedWeight, OptionalDouble measuredFuelPerByte, double scanFuelPerByte) {
    if (hintedWeight > 0) {
      return hintedWeight;
    }
    if (measuredFuelPerByte.isPresent()) {
      return Math.max(1e-3, measuredFuelPerByte.getAsDouble() / scanFuelPerByte);
    }
    return 1.0;
  }

  /** {@code total} split in proportion to {@code weights} by largest remainder, in order. */
  static int[] shares(int total, long[] weights) {
    long sum = 0;
    for (long w : weights) {
      sum += w;
    }
    int[] shares = new int[weights.length];
    if (sum == 0) {
      shares[0] = total;
      return shares;
    }
    double[] remainders = new double[weights.length];
    int given = 0;
    for (int i = 0; i < weights.length; i++) {
      double exact = (double) total * weights[i] / sum;
      shares[i] = (int) Math.floor(exact);
      remainders[i] = exact - shares[i];
      given += shares[i];
    }
    while (given < total) {
      int best = 0;
      for (int i = 1; i < weights.length; i++) {
        if (remainders[i] > remainders[best]) {
          best = i;
        }
      }
      shares[best]++;
      remainders[best] = -1;
      given++;
    }
    return shares;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
