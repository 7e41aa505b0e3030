package io.meshwork.benchmarks;

import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.WasmEngine;
import io.meshwork.wasm.abi.JobAbi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measurement: an engine's throughput on a workload, or one of the setup costs. The harness
 * runs each trial in a JVM of its own (as JMH forks), because in a shared JVM the trials disturb
 * each other: Chicory's runtime code that every compiled module calls into is profiled and
 * JIT-compiled for whichever modules and memory classes ran before, and one trial's garbage is
 * collected during the next.
 */
final class Trial {

  /** A setup cost, measured as calls per second of the step alone. */
  enum Cost {
    /** {@code ChicoryEngine.compile} on a fresh engine each time, in a warmed-up JVM. */
    WARM_COMPILE("compile"),
    /** A fresh instance of the compiled module, with nothing called. */
    COMPILER_INSTANTIATE("instantiate-compiler"),
    /** A fresh instance for the interpreter, with nothing called. */
    INTERPRETER_INSTANTIATE("instantiate-interpreter"),
    /** A whole executor call on the workload's smallest valid input. */
    EXECUTOR_TINY_CALL("executor-tiny-call");

    private final String label;

    Cost(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  private static final byte[] NOTHING = new byte[0];

  private Trial() {}

  /**
   * Runs one trial in this JVM and prints its throughput as JSON on standard output: {@code --root
   * DIR --workload NAME --size N --trial LABEL --warmup N --iterations N --iteration-ms N --clock
   * wall|cpu}.
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    Workload workload =
        Workload.named(
            Path.of(options.get("--root")),
            options.get("--workload"),
            Integer.parseInt(options.get("--size")));
    RunPlan plan =
        new RunPlan(
            Integer.parseInt(options.get("--warmup")),
            Integer.parseInt(options.get("--iterations")),
            Duration.ofMillis(Long.parseLong(options.get("--iteration-ms"))),
            0,
            "cpu".equals(options.get("--clock")));
    Throughput measured = measure(options.get("--trial"), workload, plan);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("samples", measured.sampleList());
    json.put("calls", measured.calls());
    System.out.print(Json.write(json));
  }

  /** The argument list that runs this trial in a child JVM, after the java command and options. */
  static String[] arguments(Path root, Workload workload, String trial, RunPlan plan) {
    return new String[] {
      Trial.class.getName(),
      "--root",
      root.toString(),
      "--workload",
      workload.name(),
      "--size",
      Integer.toString(workload.size()),
      "--trial",
      trial,
      "--warmup",
      Integer.toString(plan.warmupIterations()),
      "--iterations",
      Integer.toString(plan.measuredIterations()),
      "--iteration-ms",
      Long.toString(plan.iteration().toMillis()),
      "--clock",
      plan.clock()
    };
  }

  /**
   * Measures the trial named by an {@link Engine} or {@link Cost} label in this JVM. An engine's
   * output is first checked against plain Java's: figures for wrong results are worth nothing.
   */
  static Throughput measure(String trial, Workload workload, RunPlan plan) throws Exception {
    ThroughputMeter meter = new ThroughputMeter(plan);
    for (Engine engine : Engine.values()) {
      if (engine.label().equals(trial)) {
        ThroughputMeter.CallLoop loop = callLoop(engine, workload);
        requireExpectedOutput(engine, workload, loop.call());
        return meter.measure(loop);
      }
    }
    for (Cost cost : Cost.values()) {
      if (cost.label().equals(trial)) {
        return meter.measure(costLoop(cost, workload));
      }
    }
    throw new IllegalArgumentException("no trial is called " + trial);
  }

  private static ThroughputMeter.CallLoop callLoop(Engine engine, Workload workload)
      throws Exception {
    byte[] input = workload.input();
    return switch (engine) {
      case EXECUTOR -> {
        WasmEngine sandbox = WasmEngine.chicory();
        CompiledModule module = sandbox.compile(workload.wasm());
        SandboxLimits limits = SandboxLimits.defaults();
        yield () -> sandbox.call(module, JobAbi.EXECUTE, input, limits).output();
      }
      case COMPILER_METERED -> {
        BareChicory metered = BareChicory.meteredCompiled(workload.wasm());
        yield () -> metered.callFresh(input);
      }
      case COMPILER -> {
        BareChicory compiled = BareChicory.compiled(workload.wasm());
        yield () -> compiled.callFresh(input);
      }
      case COMPILER_REUSED -> BareChicory.compiled(workload.wasm()).reusedInstance(input);
      case INTERPRETER -> {
        BareChicory interpreted = BareChicory.interpreted(workload.wasm());
        yield () -> interpreted.callFresh(input);
      }
      case JAVA -> () -> workload.plainJava().apply(input);
      case V8, V8_REUSED ->
          throw new IllegalArgumentException("V8 runs in node, through NodeV8, not in a JVM");
    };
  }

  private static ThroughputMeter.CallLoop costLoop(Cost cost, Workload workload) throws Exception {
    return switch (cost) {
      case WARM_COMPILE ->
          () -> {
            WasmEngine.chicory().compile(workload.wasm());
            return NOTHING;
          };
      case COMPILER_INSTANTIATE -> {
        BareChicory compiled = BareChicory.compiled(workload.wasm());
        yield () -> {
          compiled.instantiate();
          return NOTHING;
        };
      }
      case INTERPRETER_INSTANTIATE -> {
        BareChicory interpreted = BareChicory.interpreted(workload.wasm());
        yield () -> {
          interpreted.instantiate();
          return NOTHING;
        };
      }
      case EXECUTOR_TINY_CALL -> {
        WasmEngine sandbox = WasmEngine.chicory();
        CompiledModule module = sandbox.compile(workload.wasm());
        SandboxLimits limits = SandboxLimits.defaults();
        byte[] tiny = workload.tinyInput();
        yield () -> sandbox.call(module, JobAbi.EXECUTE, tiny, limits).output();
      }
    };
  }

  private static void requireExpectedOutput(Engine engine, Workload workload, byte[] output) {
    byte[] expected = workload.expectedOutput();
    if (!Arrays.equals(output, expected)) {
      throw new IllegalStateException(
          engine.label()
              + " computed different bytes from plain Java for "
              + workload.name()
              + ": "
              + describe(output)
              + " instead of "
              + describe(expected));
    }
  }

  private static String describe(byte[] bytes) {
    return bytes.length
        + " bytes (SHA-256 "
        + HexFormat.of().formatHex(Workload.sha256Digest(bytes)).substring(0, 16)
        + "...)";
  }
}
