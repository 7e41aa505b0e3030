package io.meshwork.benchmarks;

import java.lang.management.ManagementFactory;

/**
 * Measures calls per second of a {@link CallLoop} by the {@link RunPlan}: each iteration calls for
 * the plan's duration (and at least once), warm-up iterations are discarded.
 */
final class ThroughputMeter {

  /** One call into an engine, returning its output so the work cannot be optimized away. */
  @FunctionalInterface
  interface CallLoop {
    byte[] call() throws Exception;
  }

  // Every output feeds this field, so the JIT must compute each one.
  private static volatile int sink;

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final RunPlan plan;

  ThroughputMeter(RunPlan plan) {
    this.plan = plan;
  }

  /** Nanoseconds on the plan's clock: the wall's, or the CPU time of this whole process. */
  private long now() {
    return plan.cpuTime() ? OS.getProcessCpuTime() : System.nanoTime();
  }

  Throughput measure(CallLoop loop) throws Exception {
    for (int i = 0; i < plan.warmupIterations(); i++) {
      iteration(loop);
    }
    double[] samples = new double[plan.measuredIterations()];
    long calls = 0;
    for (int i = 0; i < samples.length; i++) {
      long[] counted = iteration(loop);
      calls += counted[0];
      samples[i] = counted[0] * 1e9 / counted[1];
    }
    return new Throughput(samples, calls);
  }

  /** Runs one iteration and returns {calls, elapsed nanoseconds}. */
  private long[] iteration(CallLoop loop) throws Exception {
    long budget = plan.iteration().toNanos();
    long start = now();
    long now;
    long calls = 0;
    int consumed = 0;
    do {
      byte[] output = loop.call();
      consumed += output.length + (output.length > 0 ? output[output.length - 1] : 0);
      calls++;
      now = now();
    } while (now - start < budget);
    sink += consumed;
    return new long[] {calls, now - start};
  }
}
