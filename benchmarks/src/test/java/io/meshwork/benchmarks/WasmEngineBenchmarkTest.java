package io.meshwork.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the whole harness once on small inputs with iterations of a few milliseconds: every engine
 * must compute the bytes plain Java does (the harness refuses to report otherwise), and the report
 * must carry every figure. The figures themselves are not checked; they mean nothing at this size.
 */
class WasmEngineBenchmarkTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static final RunPlan TINY = new RunPlan(0, 2, Duration.ofMillis(5), 1);

  private static final boolean V8 =
      NodeV8.locate(ROOT.resolve("examples/bench/run-wasm.mjs"), null).isPresent();

  @Test
  void everyEngineComputesEveryWorkloadAndTheReportCarriesTheFigures() throws Exception {
    List<Workload> workloads =
        List.of(
            Workload.wordCount(ROOT, 4096),
            Workload.matrixMultiply(ROOT, 8),
            Workload.sha256(ROOT, 4096));
    RunPlan inProcess = new RunPlan(0, 2, Duration.ofMillis(5), 0);
    List<String> progress = new ArrayList<>();

    Report report = WasmEngineBenchmark.run(workloads, inProcess, ROOT, null, false, progress::add);

    List<?> results = checkedWorkloads(report, 3);
    for (Object result : results) {
      Map<?, ?> costs = (Map<?, ?>) ((Map<?, ?>) result).get("costs");
      assertTrue((Double) costs.get("warmCompileMicros") > 0, costs.toString());
      assertTrue((Double) costs.get("compilerInstantiateMicros") > 0, costs.toString());
      assertTrue((Double) costs.get("executorTinyCallMicros") > 0, costs.toString());
    }
    String table = report.table();
    assertTrue(table.contains("compiler/interpreter"), table);
    assertTrue(table.contains("compiler >= 20 x interpreter"), table);
    assertFalse(progress.isEmpty());
  }

  @Test
  void eachTrialCanRunInAJvmOfItsOwnTimedByCpuTime() throws Exception {
    // The child JVMs and node are told the clock; a plan timed by CPU time says so.
    Report report =
        WasmEngineBenchmark.run(
            List.of(Workload.wordCount(ROOT, 4096)),
            TINY.withCpuTime(),
            ROOT,
            null,
            true,
            line -> {});

    assertEquals("cpu", ((Map<?, ?>) report.json().get("plan")).get("clock"));
    assertTrue(report.table().contains("of process CPU time"), report.table());
    Map<?, ?> costs = (Map<?, ?>) ((Map<?, ?>) checkedWorkloads(report, 1).get(0)).get("costs");
    assertTrue((Double) costs.get("firstCompileMicrosFreshJvm") > 0, costs.toString());
    assertTrue((Double) costs.get("executorTinyCallMicros") > 0, costs.toString());
  }

  /** The report's workloads, once checked to have a figure for every engine that could run. */
  private static List<?> checkedWorkloads(Report report, int count) {
    Map<?, ?> json = (Map<?, ?>) Json.parse(Json.write(report.json()));
    List<?> results = (List<?>) json.get("workloads");
    assertEquals(count, results.size());
    for (Object result : results) {
      Map<?, ?> engines = (Map<?, ?>) ((Map<?, ?>) result).get("engines");
      for (Engine engine : Engine.values()) {
        boolean expected = V8 || (engine != Engine.V8 && engine != Engine.V8_REUSED);
        assertEquals(expected, engines.containsKey(engine.label()), result + " " + engine);
      }
    }
    return results;
  }
}
