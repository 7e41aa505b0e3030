package io.meshwork.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a workload in Node's V8 through {@code examples/bench/run-wasm.mjs}, in a {@code node}
 * process of its own, and reads back the figures it prints as JSON.
 */
final class NodeV8 {

  /** What V8 measured for one workload. */
  record Figures(
      String nodeVersion,
      String v8Version,
      Throughput fresh,
      Throughput reused,
      Throughput instantiate,
      double compileMicros,
      String freshOutputSha256,
      String reusedOutputSha256) {}

  private final Path node;
  private final Path script;

  private NodeV8(Path node, Path script) {
    this.node = node;
    this.script = script;
  }

  /**
   * Finds {@code node}: the path given, or the first {@code node} on the PATH.
   *
   * @return empty when there is none, so the caller can say so and skip the V8 columns
   */
  static Optional<NodeV8> locate(Path script, String explicitNode) {
    if (explicitNode != null) {
      Path given = Path.of(explicitNode);
      return Files.isExecutable(given) ? Optional.of(new NodeV8(given, script)) : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "node");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(new NodeV8(candidate, script));
      }
    }
    return Optional.empty();
  }

  Path executable() {
    return node;
  }

  /** The node and V8 versions, as {@code node v20.20.2, V8 11.3.244.8-node.38 (/usr/bin/node)}. */
  String describe() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(
                node.toString(), "-p", "'node ' + process.version + ', V8 ' + process.versions.v8")
            .redirectErrorStream(true)
            .start();
    String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(node + " does not run: " + printed.strip());
    }
    return printed.strip() + " (" + node + ")";
  }

  /** Runs the workload's module on its input in a fresh node process and parses the result. */
  Figures run(Workload workload, RunPlan plan) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("meshwork-bench-v8-");
    try {
      Path wasm = Files.write(dir.resolve(workload.name() + ".wasm"), workload.wasm());
      Path input = Files.write(dir.resolve(workload.name() + ".input"), workload.input());
      Path output = dir.resolve("figures.json");
      Process process =
          new ProcessBuilder(
                  List.of(
                      node.toString(),
                      script.toString(),
                      "--wasm",
                      wasm.toString(),
                      "--input",
                      input.toString(),
                      "--warmup",
                      Integer.toString(plan.warmupIterations()),
                      "--iterations",
                      Integer.toString(plan.measuredIterations()),
                      "--iteration-ms",
                      Long.toString(plan.iteration().toMillis()),
                      "--clock",
                      plan.clock()))
              .redirectOutput(output.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      // Three measured loops of the plan's length, plus slack for the slowest single calls.
      long budgetSeconds =
          60
              + 3
                  * (plan.warmupIterations() + plan.measuredIterations())
                  * plan.iteration().toSeconds();
      if (!process.waitFor(budgetSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("node did not finish within " + budgetSeconds + " s");
      }
      String printed = Files.readString(output, StandardCharsets.UTF_8).strip();
      if (process.exitValue() != 0) {
        throw new IOException(
            "node " + script + " exited with status " + process.exitValue() + ": " + printed);
      }
      return parse(printed);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.deleteIfExists(file);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  static Figures parse(String printed) {
    Map<?, ?> figures = (Map<?, ?>) Json.parse(printed);
    Map<?, ?> fresh = (Map<?, ?>) figures.get("fresh");
    Map<?, ?> reused = (Map<?, ?>) figures.get("reused");
    return new Figures(
        (String) figures.get("node"),
        (String) figures.get("v8"),
        throughput(fresh),
        throughput(reused),
        throughput((Map<?, ?>) figures.get("instantiate")),
        (Double) figures.get("compileMicros"),
        (String) fresh.get("outputSha256"),
        (String) reused.get("outputSha256"));
  }

  private static Throughput throughput(Map<?, ?> measured) {
    List<?> samples = (List<?>) measured.get("samples");
    double[] values = new double[samples.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (Double) samples.get(i);
    }
    return new Throughput(values, Math.round((Double) measured.get("calls")));
  }
}
