package io.meshwork.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The WASM engine benchmark (issue 3): word count, matrix multiply and SHA-256 as the same {@code
 * .wasm} in Chicory's compiler (as the executor runs it and bare), Chicory's interpreter and Node's
 * V8, and as plain Java, in one run, reported as ratios. {@code bin/bench-wasm} builds and starts
 * it; the recorded figures are in docs/BENCHMARKS.md.
 *
 * <p>Progress goes to standard error; the report (tables, or JSON with {@code --json}) to standard
 * output.
 */
public final class WasmEngineBenchmark {

  private static final String USAGE =
      """
      usage: bench-wasm [--quick] [--json] [--cpu-time] [--only wordcount,matmul,sha256] [--node PATH] [--root DIR]
        --quick  a short run (1 x 0.2 s warm-up, 3 x 0.2 s measured); rough figures
                 (the default: 5 x 1 s warm-up, 5 x 1 s measured, 3 fresh-JVM compiles)
        --json   print the report as JSON (every sample included) instead of tables
        --only   run only the named workloads
        --cpu-time  time iterations by the CPU time of the measuring process (JVM or node, all
                 its threads) instead of the wall clock: steadier on a machine others are using
        --node   the node binary for the V8 figures (default: node on the PATH)
        --root   the Meshwork checkout holding examples/ (default: the current directory)
      """;

  private WasmEngineBenchmark() {}

  /** Runs the benchmark as the command line says and prints the report. */
  public static void main(String[] args) throws Exception {
    Path root = Path.of("");
    RunPlan plan = RunPlan.FULL;
    boolean json = false;
    boolean cpuTime = false;
    List<String> only = List.of();
    String node = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> plan = RunPlan.QUICK;
        case "--json" -> json = true;
        case "--cpu-time" -> cpuTime = true;
        case "--only" -> only = Arrays.asList(value(args, ++i).split(","));
        case "--node" -> node = value(args, ++i);
        case "--root" -> root = Path.of(value(args, ++i));
        case "-h", "--help" -> {
          System.out.print(USAGE);
          return;
        }
        default -> usageError("unknown option " + args[i]);
      }
    }
    if (cpuTime) {
      plan = plan.withCpuTime();
    }
    Consumer<String> progress = line -> System.err.println("bench-wasm: " + line);
    List<Workload> workloads = new ArrayList<>();
    for (Workload workload : Workload.all(root.toAbsolutePath())) {
      if (only.isEmpty() || only.contains(workload.name())) {
        workloads.add(workload);
      }
    }
    if (workloads.isEmpty()) {
      usageError("--only names none of wordcount, matmul, sha256");
    }
    Report report = run(workloads, plan, root, node, true, progress);
    System.out.print(json ? Json.write(report.json()) : report.table());
  }

  /**
   * Measures the workloads in every engine and returns the report; V8 is left out, and the report
   * says so, when no {@code node} can be found.
   *
   * @param forked each measurement in a JVM of its own (see {@link Trial}); false only for tests
   */
  static Report run(
      List<Workload> workloads,
      RunPlan plan,
      Path root,
      String node,
      boolean forked,
      Consumer<String> progress)
      throws Exception {
    Path script = root.toAbsolutePath().resolve("examples/bench/run-wasm.mjs");
    if (!Files.isRegularFile(script)) {
      throw new IllegalArgumentException("the V8 runner " + script + " is missing");
    }
    Optional<NodeV8> v8 = NodeV8.locate(script, node);
    String v8Description;
    if (v8.isPresent()) {
      v8Description = v8.get().describe();
      progress.accept("V8: " + v8Description);
    } else {
      v8Description =
          "NOT MEASURED: no node "
              + (node != null ? "at " + node : "on the PATH")
              + " (install Node.js 18 or newer, or pass --node PATH)";
      progress.accept(
          "WARNING: node was not found "
              + (node != null ? "at " + node : "on the PATH")
              + "; V8 is not measured and its columns say n/a");
    }
    progress.accept("machine: " + Report.machine());
    EngineComparison comparison =
        new EngineComparison(plan, root.toAbsolutePath(), v8.orElse(null), forked, progress);
    List<WorkloadResult> results = new ArrayList<>();
    for (Workload workload : workloads) {
      results.add(comparison.run(workload));
    }
    return new Report(results, plan, v8Description);
  }

  private static String value(String[] args, int index) {
    if (index >= args.length) {
      usageError(args[index - 1] + " needs a value");
    }
    return args[index];
  }

  private static void usageError(String message) {
    System.err.println("bench-wasm: " + message);
    System.err.print(USAGE);
    System.exit(2);
  }
}
