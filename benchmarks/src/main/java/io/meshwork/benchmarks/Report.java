package io.meshwork.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a run's results into the readable tables (with ratios and the goals) or the {@code
 * --json} document.
 */
final class Report {

  /** The goals: the compiler at least half of V8, and at least 20 times the interpreter. */
  static final double GOAL_VS_V8 = 0.5;

  static final double GOAL_VS_INTERPRETER = 20;

  /** A ratio column: a name and the two engines whose throughputs it divides. */
  private record Ratio(String name, Engine numerator, Engine denominator) {}

  private static final List<Ratio> RATIOS =
      List.of(
          new Ratio("compiler/V8", Engine.COMPILER, Engine.V8),
          new Ratio("executor/V8", Engine.EXECUTOR, Engine.V8),
          new Ratio("reused: compiler/V8", Engine.COMPILER_REUSED, Engine.V8_REUSED),
          new Ratio("compiler/interpreter", Engine.COMPILER, Engine.INTERPRETER),
          new Ratio("compiler/Java", Engine.COMPILER, Engine.JAVA),
          new Ratio("metered/unmetered", Engine.COMPILER_METERED, Engine.COMPILER),
          new Ratio("executor/metered", Engine.EXECUTOR, Engine.COMPILER_METERED));

  private final List<WorkloadResult> results;
  private final RunPlan plan;
  private final String node;

  /**
   * @param node what ran V8 ("node v20.1.0, V8 11.3"), or why nothing did
   */
  Report(List<WorkloadResult> results, RunPlan plan, String node) {
    this.results = List.copyOf(results);
    this.plan = plan;
    this.node = node;
  }

  /** The human-readable report: machine, throughput, ratios, setup costs and the goals. */
  String table() {
    StringBuilder out = new StringBuilder();
    out.append("Machine: ").append(machine()).append('\n');
    out.append("V8: ").append(node).append('\n');
    out.append(
        String.format(
            Locale.ROOT,
            "Plan: %d warm-up + %d measured iterations of %d ms (%s) per engine and workload;"
                + " figures are the median iteration.%n",
            plan.warmupIterations(),
            plan.measuredIterations(),
            plan.iteration().toMillis(),
            plan.cpuTime() ? "of process CPU time" : "wall clock"));
    out.append("\nThroughput (same input bytes for every engine; MB = 10^6 bytes of input)\n");
    out.append(
        String.format(
            Locale.ROOT, "%-10s %-16s %12s %10s%n", "workload", "engine", "ops/s", "MB/s"));
    for (WorkloadResult result : results) {
      for (Engine engine : Engine.values()) {
        Throughput measured = result.throughput().get(engine);
        if (measured == null) {
          continue;
        }
        out.append(
            String.format(
                Locale.ROOT,
                "%-10s %-16s %12s %10s%n",
                result.workload(),
                engine.label(),
                number(measured.opsPerSecond()),
                number(measured.megabytesPerSecond(result.inputBytes()))));
      }
    }

    out.append("\nRatios of throughput (A/B; above 1 means A is faster)\n");
    out.append(String.format(Locale.ROOT, "%-10s", "workload"));
    for (Ratio ratio : RATIOS) {
      out.append(String.format(Locale.ROOT, " %20s", ratio.name()));
    }
    out.append('\n');
    for (WorkloadResult result : results) {
      out.append(String.format(Locale.ROOT, "%-10s", result.workload()));
      for (Ratio ratio : RATIOS) {
        out.append(
            String.format(
                Locale.ROOT, " %20s", times(result.ratio(ratio.numerator(), ratio.denominator()))));
      }
      out.append('\n');
    }

    out.append("\nSetup and per-call costs (median)\n");
    out.append(
        String.format(
            Locale.ROOT,
            "%-10s %14s %12s %12s %14s %14s %12s %16s%n",
            "workload",
            "first compile",
            "warm compile",
            "V8 compile",
            "new instance:",
            "interpreter",
            "V8",
            "executor call,"));
    out.append(
        String.format(
            Locale.ROOT,
            "%-10s %14s %12s %12s %14s %14s %12s %16s%n",
            "",
            "(fresh JVM)",
            "",
            "",
            "compiler",
            "",
            "",
            "tiny input"));
    for (WorkloadResult result : results) {
      WorkloadResult.Costs costs = result.costs();
      out.append(
          String.format(
              Locale.ROOT,
              "%-10s %14s %12s %12s %14s %14s %12s %16s%n",
              result.workload(),
              duration(costs.firstCompileMicros()),
              duration(costs.warmCompileMicros()),
              duration(costs.v8CompileMicros()),
              duration(costs.compilerInstantiateMicros()),
              duration(costs.interpreterInstantiateMicros()),
              duration(costs.v8InstantiateMicros()),
              duration(costs.executorTinyCallMicros())));
    }

    out.append("\nGoals\n");
    out.append(goalLine("compiler >= 0.5 x V8", Engine.COMPILER, Engine.V8, GOAL_VS_V8));
    out.append(goalLine("executor >= 0.5 x V8", Engine.EXECUTOR, Engine.V8, GOAL_VS_V8));
    out.append(
        goalLine(
            "compiler >= 20 x interpreter",
            Engine.COMPILER,
            Engine.INTERPRETER,
            GOAL_VS_INTERPRETER));

    out.append("\nEngines\n");
    for (Engine engine : Engine.values()) {
      out.append(String.format(Locale.ROOT, "  %-16s %s%n", engine.label(), engine.description()));
    }
    return out.toString();
  }

  private String goalLine(String goal, Engine a, Engine b, double threshold) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-30s", goal));
    for (WorkloadResult result : results) {
      double ratio = result.ratio(a, b);
      line.append(
          String.format(
              Locale.ROOT,
              "  %s %s %s;",
              result.workload(),
              times(ratio),
              verdict(ratio, threshold)));
    }
    line.setLength(line.length() - 1);
    return line.append('\n').toString();
  }

  private static String verdict(double ratio, double threshold) {
    if (Double.isNaN(ratio)) {
      return "not measured";
    }
    return ratio >= threshold ? "met" : "NOT met";
  }

  /** The {@code --json} document: the same figures, plus every sample. */
  Map<String, Object> json() {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("machine", machine());
    document.put("v8", node);
    Map<String, Object> planJson = new LinkedHashMap<>();
    planJson.put("warmupIterations", plan.warmupIterations());
    planJson.put("measuredIterations", plan.measuredIterations());
    planJson.put("iterationMillis", plan.iteration().toMillis());
    planJson.put("clock", plan.clock());
    planJson.put("coldCompileRuns", plan.coldCompileRuns());
    document.put("plan", planJson);
    List<Object> workloads = new ArrayList<>();
    for (WorkloadResult result : results) {
      Map<String, Object> workload = new LinkedHashMap<>();
      workload.put("name", result.workload());
      workload.put("inputBytes", result.inputBytes());
      Map<String, Object> engines = new LinkedHashMap<>();
      for (Map.Entry<Engine, Throughput> entry : result.throughput().entrySet()) {
        Map<String, Object> engine = new LinkedHashMap<>();
        Throughput measured = entry.getValue();
        engine.put("opsPerSecond", measured.opsPerSecond());
        engine.put("megabytesPerSecond", measured.megabytesPerSecond(result.inputBytes()));
        engine.put("calls", measured.calls());
        engine.put("samples", measured.sampleList());
        engines.put(entry.getKey().label(), engine);
      }
      workload.put("engines", engines);
      Map<String, Object> ratios = new LinkedHashMap<>();
      for (Ratio ratio : RATIOS) {
        ratios.put(ratio.name(), result.ratio(ratio.numerator(), ratio.denominator()));
      }
      workload.put("ratios", ratios);
      WorkloadResult.Costs costs = result.costs();
      Map<String, Object> costsJson = new LinkedHashMap<>();
      costsJson.put("firstCompileMicrosFreshJvm", costs.firstCompileMicros());
      costsJson.put("warmCompileMicros", costs.warmCompileMicros());
      costsJson.put("v8CompileMicros", costs.v8CompileMicros());
      costsJson.put("compilerInstantiateMicros", costs.compilerInstantiateMicros());
      costsJson.put("interpreterInstantiateMicros", costs.interpreterInstantiateMicros());
      costsJson.put("v8InstantiateMicros", costs.v8InstantiateMicros());
      costsJson.put("executorTinyCallMicros", costs.executorTinyCallMicros());
      workload.put("costs", costsJson);
      Map<String, Object> goals = new LinkedHashMap<>();
      goals.put(
          "compilerAtLeastHalfOfV8", goalMet(result.ratio(Engine.COMPILER, Engine.V8), GOAL_VS_V8));
      goals.put(
          "executorAtLeastHalfOfV8", goalMet(result.ratio(Engine.EXECUTOR, Engine.V8), GOAL_VS_V8));
      goals.put(
          "compilerAtLeast20xInterpreter",
          goalMet(result.ratio(Engine.COMPILER, Engine.INTERPRETER), GOAL_VS_INTERPRETER));
      workload.put("goals", goals);
      workloads.add(workload);
    }
    document.put("workloads", workloads);
    return document;
  }

  private static Boolean goalMet(double ratio, double threshold) {
    return Double.isNaN(ratio) ? null : ratio >= threshold;
  }

  /** The machine the run measured: CPU model, cores, OS and JVM. */
  static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(line -> line.startsWith("model name"))
              .map(line -> line.substring(line.indexOf(':') + 1).strip())
              .findFirst()
              .orElse(cpu);
    } catch (IOException | RuntimeException e) {
      // Not Linux: the OS name below still says what ran.
    }
    return String.format(
        Locale.ROOT,
        "%s, %d cores visible to the JVM, %s %s, %s %s",
        cpu,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"));
  }

  /** A throughput with about three significant digits. */
  static String number(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    if (value >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (value >= 100) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    return String.format(Locale.ROOT, value >= 10 ? "%.1f" : "%.2f", value);
  }

  /** A ratio such as {@code 0.73x}. */
  static String times(double ratio) {
    if (Double.isNaN(ratio)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, ratio >= 10 ? "%.0fx" : "%.2fx", ratio);
  }

  /** A duration given in microseconds, in us, ms or s as fits. */
  static String duration(double micros) {
    if (Double.isNaN(micros)) {
      return "n/a";
    }
    if (micros < 1000) {
      return String.format(Locale.ROOT, "%.1f us", micros);
    }
    if (micros < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f ms", micros / 1e3);
    }
    return String.format(Locale.ROOT, "%.2f s", micros / 1e6);
  }
}
