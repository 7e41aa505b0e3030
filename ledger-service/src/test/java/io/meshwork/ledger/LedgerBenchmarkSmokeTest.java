package io.meshwork.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark still runs end to end (briefly, on SQLite); its figures are not judged here. */
class LedgerBenchmarkSmokeTest {
  @Test
  void theBenchmarkMeasuresBothWays() throws Exception {
    List<LedgerBenchmark.Result> results =
        LedgerBenchmark.run(new LedgerBenchmark.Config(1, 2, 10, List.of("sqlite")));

    assertEquals(1, results.size());
    assertTrue(results.get(0).grpcOpsPerSecond() > 0);
    assertTrue(results.get(0).directOpsPerSecond() > 0);
  }
}
