package io.meshwork.dist;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The jobs of {@code meshwork bench --soak}: honest word counts of three sizes, which must all
 * complete with the right count and a receipt per task; two kinds that fail on purpose (a module
 * that traps, and an input over the fuel limit its job gives); and slow jobs that the client
 * cancels while they run. Each kind says which outcomes it expects; anything else is a finding.
 */
final class SoakJobs {
  /** What a job of the soak is for, and how often a client picks it. */
  enum Kind {
    /** One line: one chunk and the merge. */
    SMALL(true, 30),
    /** 16 lines of 64 bytes, one chunk each, and the merge. */
    MEDIUM(true, 25),
    /** 1 MiB in chunks of 256 KiB: four chunks and the merge. */
    LARGE(true, 10),
    /** A module whose {@code execute} traps at once. */
    TRAP(false, 10),
    /** The word count over 64 KiB with fuel for a few hundred instructions. */
    OVER_LIMIT(false, 10),
    /**
     * A module that spins for most of its fuel (a few hundred milliseconds compiled), cancelled 20
     * to 120 ms after submission.
     */
    CANCELLED(false, 15);

    final boolean honest;
    final int weight;

    Kind(boolean honest, int weight) {
      this.honest = honest;
      this.weight = weight;
    }

    /** The name in the report: lower case, with a dash. */
    String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** How a job ended, as the client saw it. */
  enum Outcome {
    /** Completed, and for an honest job with the right count and every receipt anchored. */
    COMPLETED,
    /** Ended failed. */
    FAILED,
    /** Ended cancelled. */
    CANCELLED,
    /** Refused at submission. */
    REFUSED,
    /** Anything else: a wrong result, a missing receipt, a client error, no end in time. */
    WRONG;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The fuel an over-limit job gets: far too little for 64 KiB of text. */
  static final long OVER_LIMIT_FUEL = 500;

  private static final int LARGE_CHUNK = 256 << 10;
  private static final int LARGE_LINES = (1 << 20) / MeshBench.LINE_BYTES;
  // 2^16 loop iterations of 9 instructions per byte: 0.83 billion units, within the default fuel.
  private static final int SLOW_INPUT_BYTES = 1400;

  private final byte[] wordCount;
  private final byte[] trap;
  private final byte[] slow;

  SoakJobs(byte[] wordCount) throws IOException {
    this.wordCount = wordCount.clone();
    this.trap = resource("/soak/trap.wasm");
    this.slow = resource("/soak/slow.wasm");
  }

  /** A kind drawn by the kinds' weights. */
  static Kind pick(SplittableRandom random) {
    int total = 0;
    for (Kind k : Kind.values()) {
      total += k.weight;
    }
    int r = random.nextInt(total);
    for (Kind k : Kind.values()) {
      r -= k.weight;
      if (r < 0) {
        return k;
      }
    }
    throw new AssertionError("weights");
  }

  /** A job of {@code kind}, and the word count an honest one must return. */
  record Job(Kind kind, JobRequest request, long expectedWords, int chunks) {}

  Job job(Kind kind, SplittableRandom random) {
    JobRequest.Builder b =
        JobRequest.newBuilder()
            .verificationMode(VerificationMode.HASH)
            .retryCount(2)
            .timeoutSecs(120)
            .manaBudget(1_000);
    return switch (kind) {
      case SMALL -> wordCount(kind, b, MeshBench.input(random, 1), MeshBench.LINE_BYTES, 1);
      case MEDIUM -> wordCount(kind, b, MeshBench.input(random, 16), MeshBench.LINE_BYTES, 16);
      case LARGE ->
          wordCount(
              kind,
              b,
              MeshBench.input(random, LARGE_LINES),
              LARGE_CHUNK,
              LARGE_LINES * MeshBench.LINE_BYTES / LARGE_CHUNK);
      case TRAP ->
          new Job(
              kind,
              b.wasmModule(trap)
                  .input(MeshBench.input(random, 1))
                  .splitStrategy(SplitStrategy.NONE)
                  .retryCount(0)
                  .build(),
              0,
              1);
      case OVER_LIMIT ->
          new Job(
              kind,
              b.wasmModule(wordCount)
                  .input(MeshBench.input(random, 1024))
                  .splitStrategy(SplitStrategy.NONE)
                  .retryCount(0)
                  .limits(ResourceLimits.newBuilder().setFuel(OVER_LIMIT_FUEL).build())
                  .build(),
              0,
              1);
      case CANCELLED ->
          new Job(
              kind,
              b.wasmModule(slow)
                  .input(new byte[SLOW_INPUT_BYTES])
                  .splitStrategy(SplitStrategy.NONE)
                  .build(),
              0,
              1);
    };
  }

  private Job wordCount(Kind kind, JobRequest.Builder b, byte[] text, int chunkBytes, int chunks) {
    return new Job(
        kind,
        b.wasmModule(wordCount)
            .input(text)
            .splitStrategy(SplitStrategy.LINES)
            .maxChunkSize(chunkBytes)
            .build(),
        SampleText.countWords(text),
        chunks);
  }

  /**
   * How {@code result} ended; for an honest job a completion counts only with the right count and
   * an anchored receipt for every chunk and the merge ({@code why} gets the reason otherwise).
   */
  static Outcome outcome(Job job, JobResult result, StringBuilder why) {
    String status = result.status().getStatus();
    if (!result.success()) {
      why.append(status).append(": ").append(result.error());
      return switch (status) {
        case "failed" -> Outcome.FAILED;
        case "cancelled" -> Outcome.CANCELLED;
        default -> Outcome.WRONG;
      };
    }
    if (!job.kind().honest) {
      return Outcome.COMPLETED;
    }
    String count = new String(result.bytes(), StandardCharsets.US_ASCII).trim();
    if (!count.equals(Long.toString(job.expectedWords()))) {
      why.append("counted ").append(count).append(" words, expected ").append(job.expectedWords());
      return Outcome.WRONG;
    }
    if (result.receipts().size() != job.chunks() + 1) {
      why.append(result.receipts().size())
          .append(" receipts for ")
          .append(job.chunks())
          .append(" chunks and a merge");
      return Outcome.WRONG;
    }
    for (ReceiptRef r : result.receipts()) {
      if (r.getReceiptCid().isEmpty()) {
        why.append("task ").append(r.getTaskId()).append(" has no anchored receipt");
        return Outcome.WRONG;
      }
    }
    return Outcome.COMPLETED;
  }

  /** Whether {@code outcome} is one {@code kind} expects. */
  static boolean expected(Kind kind, Outcome outcome) {
    return switch (kind) {
      case SMALL, MEDIUM, LARGE -> outcome == Outcome.COMPLETED;
      case TRAP, OVER_LIMIT -> outcome == Outcome.FAILED || outcome == Outcome.REFUSED;
      // A cancel that arrives after the last task ended finds the job completed.
      case CANCELLED -> outcome == Outcome.CANCELLED || outcome == Outcome.COMPLETED;
    };
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SoakJobs.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is missing from the launcher's resources");
      }
      return in.readAllBytes();
    }
  }
}
