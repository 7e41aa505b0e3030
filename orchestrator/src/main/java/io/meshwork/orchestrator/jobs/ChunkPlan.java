package io.meshwork.orchestrator.jobs;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * How big a job's chunks should be, from its complexity score:
 *
 * <pre>
 *   score = data_size x operation_weight / available_capacity
 * </pre>
 *
 * <p>{@code data_size} is the input in bytes. {@code operation_weight} is the manifest's hint
 * ({@code complexity.operation_weight}) when given, else what this module was measured to need: its
 * fuel per input byte in earlier chunks here, over {@code orchestrator.scan-fuel-per-byte} (the
 * fuel per byte of a plain scan, 10), else 1. {@code available_capacity} is the free task slots of
 * the executors that answer now (at least 1). The score is thus weighted bytes per free slot.
 *
 * <p>At or below {@code orchestrator.split-threshold} (16 MiB) the job is small: it runs as one
 * task, unless its input is larger than its {@code max_chunk_size}. Above it, the work is cut so
 * that every free slot gets a share and no share weighs more than the threshold: {@code chunks =
 * max(available_capacity, ceil(data_size x weight / threshold))}, and the chunk size is {@code
 * data_size / chunks}, kept within {@code min_chunk_size} and {@code max_chunk_size}.
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
   */
  record Options(double splitThreshold, double scanFuelPerByte, long minChunkBytes, int maxChunks) {
    /** 16 MiB, 10, 64 bytes and 100,000 chunks. */
    static Options defaults() {
      return new Options(16 << 20, 10.0, 64, 100_000);
    }
  }

  /**
   * The plan.
   *
   * @param targetChunkBytes the largest chunk to cut
   */
  record Plan(
      double weight,
      String weightSource,
      int freeSlots,
      double score,
      double threshold,
      long targetChunkBytes) {
    String describe(long dataSize) {
      return String.format(
          Locale.ROOT,
          "score %.0f = %d bytes x weight %.2f (%s) / %d free slots; threshold %.0f; chunks of"
              + " at most %d bytes",
          score,
          dataSize,
          weight,
          weightSource,
          freeSlots,
          threshold,
          targetChunkBytes);
    }
  }

  private ChunkPlan() {}

  static Plan plan(
      long dataSize,
      double hintedWeight,
      OptionalDouble measuredFuelPerByte,
      int freeSlots,
      long minChunk,
      long maxChunk,
      Options options) {
    double weight = weight(hintedWeight, measuredFuelPerByte, options.scanFuelPerByte());
    String source =
        hintedWeight > 0
            ? "the manifest's hint"
            : measuredFuelPerByte.isPresent() ? "measured fuel per byte" : "default";
    int slots = Math.max(1, freeSlots);
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
    return new Plan(weight, source, slots, score, threshold, target);
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

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
