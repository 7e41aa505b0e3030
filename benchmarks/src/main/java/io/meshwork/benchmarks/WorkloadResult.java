package io.meshwork.benchmarks;

import java.util.EnumMap;
import java.util.Map;

/**
 * Everything measured for one workload in one run.
 *
 * @param workload the workload's name
 * @param inputBytes size of the input every engine was given
 * @param throughput calls per second per engine (V8 is absent when node was not found)
 * @param costs what it costs to get a module ready and to start a call
 */
record WorkloadResult(
    String workload, int inputBytes, Map<Engine, Throughput> throughput, Costs costs) {

  WorkloadResult {
    throughput = new EnumMap<>(throughput);
  }

  /**
   * Setup costs, in microseconds; {@link Double#NaN} where not measured.
   *
   * @param firstCompileMicros {@code ChicoryEngine.compile} (validate, parse, meter, compile) as
   *     the first thing a fresh JVM does; the median over the plan's cold-compile runs
   * @param warmCompileMicros the same on a fresh engine in a JVM that has compiled modules before
   * @param v8CompileMicros {@code WebAssembly.compile} of the same bytes in a fresh node process
   * @param compilerInstantiateMicros a fresh Chicory instance of the compiled module, no call
   * @param interpreterInstantiateMicros a fresh instance for the interpreter, no call
   * @param v8InstantiateMicros a fresh V8 instance of the compiled module, no call
   * @param executorTinyCallMicros a whole executor call on the smallest valid input: thread,
   *     instance, alloc, execute and copying out, with next to no work
   */
  record Costs(
      double firstCompileMicros,
      double warmCompileMicros,
      double v8CompileMicros,
      double compilerInstantiateMicros,
      double interpreterInstantiateMicros,
      double v8InstantiateMicros,
      double executorTinyCallMicros) {}

  /** The median calls per second of an engine, or NaN if it was not measured. */
  double opsPerSecond(Engine engine) {
    Throughput measured = throughput.get(engine);
    return measured == null ? Double.NaN : measured.opsPerSecond();
  }

  /** Throughput of {@code a} over that of {@code b}; NaN if either was not measured. */
  double ratio(Engine a, Engine b) {
    return opsPerSecond(a) / opsPerSecond(b);
  }
}
