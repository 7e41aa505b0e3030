package io.meshwork.benchmarks;

import java.time.Duration;

/**
 * How long to measure each engine: warm-up iterations whose figures are thrown away (they let the
 * JVM's and V8's tiered compilers settle), then measured iterations whose median is reported.
 *
 * @param warmupIterations iterations run and discarded first
 * @param measuredIterations iterations whose throughput is kept
 * @param iteration how long one iteration calls the engine (at least one call, however slow)
 * @param coldCompileRuns how many fresh JVMs time their first compile of each module
 * @param cpuTime time iterations by the CPU time the measuring process uses (every thread of it:
 *     the caller's, the executor's call threads, the JIT compiler's and the garbage collector's)
 *     instead of by the clock on the wall, so that other programs on a busy machine change the
 *     figures less; each engine still gets the same budget
 */
record RunPlan(
    int warmupIterations,
    int measuredIterations,
    Duration iteration,
    int coldCompileRuns,
    boolean cpuTime) {

  /**
   * The plan of a recorded run: 5 x 1 s of warm-up, then 5 x 1 s measured. The warm-up is long
   * because each compiled module is new bytecode the JVM's JIT has to compile, which takes seconds
   * on a busy two-core machine.
   */
  static final RunPlan FULL = new RunPlan(5, 5, Duration.ofSeconds(1), 3);

  /** A quick look, a few seconds per workload; its figures are rough. */
  static final RunPlan QUICK = new RunPlan(1, 3, Duration.ofMillis(200), 1);

  /** A plan timed by the clock on the wall. */
  RunPlan(int warmupIterations, int measuredIterations, Duration iteration, int coldCompileRuns) {
    this(warmupIterations, measuredIterations, iteration, coldCompileRuns, false);
  }

  /** This plan timed by CPU time. */
  RunPlan withCpuTime() {
    return new RunPlan(warmupIterations, measuredIterations, iteration, coldCompileRuns, true);
  }

  /** What the iterations are timed by, for the report and the child processes. */
  String clock() {
    return cpuTime ? "cpu" : "wall";
  }

  /** Checks the plan measures something. */
  RunPlan {
    if (warmupIterations < 0 || measuredIterations < 1 || coldCompileRuns < 0) {
      throw new IllegalArgumentException("a plan needs at least one measured iteration");
    }
    if (iteration.isNegative() || iteration.isZero()) {
      throw new IllegalArgumentException("an iteration must last a positive time");
    }
  }
}
