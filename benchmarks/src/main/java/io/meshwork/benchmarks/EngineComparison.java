package io.meshwork.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one workload in every engine and measures its setup costs, each {@link Trial} in a JVM of
 * its own unless told otherwise, and V8 in a node process.
 */
final class EngineComparison {

  /** The Java engines, in the order they are measured. */
  private static final List<Engine> JVM_ENGINES =
      List.of(
          Engine.EXECUTOR,
          Engine.COMPILER_METERED,
          Engine.COMPILER,
          Engine.COMPILER_REUSED,
          Engine.INTERPRETER,
          Engine.JAVA);

  private final RunPlan plan;
  private final Path root;
  private final NodeV8 v8; // null when node was not found
  private final boolean forked;
  private final Consumer<String> progress;

  /**
   * @param forked run every trial in a child JVM (the real thing); false runs them all in this JVM,
   *     which is quicker and serves the smoke test, but lets the trials disturb each other
   */
  EngineComparison(RunPlan plan, Path root, NodeV8 v8, boolean forked, Consumer<String> progress) {
    this.plan = plan;
    this.root = root;
    this.v8 = v8;
    this.forked = forked;
    this.progress = progress;
  }

  WorkloadResult run(Workload workload) throws Exception {
    String name = workload.name();
    progress.accept(
        name
            + ": "
            + workload.input().length
            + " bytes of input, "
            + workload.wasm().length
            + " bytes of wasm");
    double firstCompile = coldCompileMicros(workload);
    progress.accept(name + ": first compile in a fresh JVM " + Report.duration(firstCompile));

    Map<Engine, Throughput> throughput = new EnumMap<>(Engine.class);
    for (Engine engine : JVM_ENGINES) {
      progress.accept(name + ": " + engine.label() + " ...");
      Throughput measured = trial(workload, engine.label());
      throughput.put(engine, measured);
      reportThroughput(name, engine, measured, workload.input().length);
    }

    double v8Compile = Double.NaN;
    double v8Instantiate = Double.NaN;
    if (v8 != null) {
      progress.accept(name + ": v8 and v8-reused ...");
      NodeV8.Figures figures = v8.run(workload, plan);
      String want = HexFormat.of().formatHex(Workload.sha256Digest(workload.expectedOutput()));
      requireSame(name, Engine.V8, want, figures.freshOutputSha256());
      requireSame(name, Engine.V8_REUSED, want, figures.reusedOutputSha256());
      throughput.put(Engine.V8, figures.fresh());
      throughput.put(Engine.V8_REUSED, figures.reused());
      v8Compile = figures.compileMicros();
      v8Instantiate = figures.instantiate().microsPerCall();
      reportThroughput(name, Engine.V8, figures.fresh(), workload.input().length);
      reportThroughput(name, Engine.V8_REUSED, figures.reused(), workload.input().length);
    }

    progress.accept(name + ": setup costs ...");
    Map<Trial.Cost, Double> micros = new EnumMap<>(Trial.Cost.class);
    for (Trial.Cost cost : Trial.Cost.values()) {
      micros.put(cost, trial(workload, cost.label()).microsPerCall());
      progress.accept(name + ": " + cost.label() + " " + Report.duration(micros.get(cost)));
    }
    return new WorkloadResult(
        name,
        workload.input().length,
        throughput,
        new WorkloadResult.Costs(
            firstCompile,
            micros.get(Trial.Cost.WARM_COMPILE),
            v8Compile,
            micros.get(Trial.Cost.COMPILER_INSTANTIATE),
            micros.get(Trial.Cost.INTERPRETER_INSTANTIATE),
            v8Instantiate,
            micros.get(Trial.Cost.EXECUTOR_TINY_CALL)));
  }

  private Throughput trial(Workload workload, String trial) throws Exception {
    if (!forked) {
      return Trial.measure(trial, workload, plan);
    }
    List<String> command = javaCommand();
    command.addAll(List.of(Trial.arguments(root, workload, trial, plan)));
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(
          "the " + trial + " trial of " + workload.name() + " failed (its errors are above)");
    }
    Map<?, ?> json = (Map<?, ?>) Json.parse(printed);
    List<?> samples = (List<?>) json.get("samples");
    double[] values = new double[samples.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (Double) samples.get(i);
    }
    return new Throughput(values, Math.round((Double) json.get("calls")));
  }

  /**
   * This JVM's java and options, so that a child runs under the same flags (those of {@code
   * MESHWORK_BENCH_JAVA_OPTS} included); agents are left out, since a debugger's would clash.
   */
  private static List<String> javaCommand() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!option.startsWith("-agentlib") && !option.startsWith("-javaagent")) {
        command.add(option);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    return command;
  }

  private void reportThroughput(String workload, Engine engine, Throughput measured, int bytes) {
    progress.accept(
        String.format(
            "%s: %-16s %s ops/s, %s MB/s",
            workload,
            engine.label(),
            Report.number(measured.opsPerSecond()),
            Report.number(measured.megabytesPerSecond(bytes))));
  }

  /** The median first compile over the plan's runs, each in a JVM of its own. */
  private double coldCompileMicros(Workload workload) throws IOException, InterruptedException {
    if (plan.coldCompileRuns() == 0) {
      return Double.NaN;
    }
    Path wasm = Files.createTempFile("meshwork-bench-" + workload.name() + "-", ".wasm");
    try {
      Files.write(wasm, workload.wasm());
      double[] micros = new double[plan.coldCompileRuns()];
      for (int i = 0; i < micros.length; i++) {
        List<String> command = javaCommand();
        command.addAll(List.of(FirstCompile.class.getName(), wasm.toString()));
        Process process =
            new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String printed =
            new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
          process.destroyForcibly();
          throw new IOException("the first-compile JVM failed: " + printed);
        }
        micros[i] = Long.parseLong(printed.strip()) / 1e3;
      }
      return Throughput.median(micros);
    } finally {
      Files.deleteIfExists(wasm);
    }
  }

  private static void requireSame(String workload, Engine engine, String want, String got) {
    if (!want.equals(got)) {
      throw new IllegalStateException(
          engine.label()
              + " computed different bytes from plain Java for "
              + workload
              + ": output SHA-256 "
              + got
              + " instead of "
              + want);
    }
  }
}
