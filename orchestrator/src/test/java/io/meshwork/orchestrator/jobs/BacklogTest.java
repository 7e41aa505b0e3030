package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The backlog the scaler sizes the fleet by: the weighted bytes of the work not yet settled, from
 * the job core as production wires it.
 */
class BacklogTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  @Test
  void theUnsettledShareOfEachRunningJobsWeightedInputThenNothing() throws Exception {
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    JobCoordinator coordinator = core.start();
    assertEquals(0, coordinator.backlog());

    // Three chunks of six bytes, weight 1 (no hint, nothing measured yet).
    String jobId =
        coordinator.submit(job("held", "alpha\n", "bravo\n", "delta\n").manifest(), SUBMITTER);
    slow.awaitAssignments(3);
    assertEquals(18, coordinator.backlog(), 1e-9);

    slow.release();
    await(coordinator, jobId);
    assertEquals(0, coordinator.backlog());
  }

  @Test
  void theWeightIsTheHintElseTheMeasuredFuelPerByteOverAScanElseOne() {
    assertEquals(4.0, ChunkPlan.weight(4, OptionalDouble.of(50), 10));
    assertEquals(5.0, ChunkPlan.weight(0, OptionalDouble.of(50), 10));
    assertEquals(1.0, ChunkPlan.weight(0, OptionalDouble.empty(), 10));
  }
}
