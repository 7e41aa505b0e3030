package io.meshwork.benchmarks;

/** The ways the benchmark runs a workload; each is one row of the throughput table. */
enum Engine {
  EXECUTOR(
      "executor",
      "ChicoryEngine as the executor runs it: compiled, fuel-metered, a fresh instance on a new"
          + " thread per call"),
  COMPILER_METERED(
      "compiler-metered",
      "Chicory's compiler on the fuel-metered module, caller's thread, fresh instance per call"),
  COMPILER("compiler", "Chicory's compiler, no metering, caller's thread, fresh instance per call"),
  COMPILER_REUSED("compiler-reused", "Chicory's compiler, one instance reused for every call"),
  INTERPRETER("interpreter", "Chicory's interpreter, fresh instance per call"),
  V8("v8", "Node's V8 (WebAssembly), fresh instance per call"),
  V8_REUSED("v8-reused", "Node's V8, one instance reused for every call"),
  JAVA("java", "the same computation written in plain Java");

  private final String label;
  private final String description;

  Engine(String label, String description) {
    this.label = label;
    this.description = description;
  }

  String label() {
    return label;
  }

  String description() {
    return description;
  }
}
