package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.tasks.ExecutorFleet;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.Placement;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What membership changes in placement: the orchestrator's own executor bids only as the last
 * resort, and a task on an executor membership declares lost is placed again at once, with no probe
 * noticing anything.
 */
class MembershipPlacementTest {
  private final JobCore core = new JobCore();
  private final Set<String> lost = ConcurrentHashMap.newKeySet();
  private volatile FakeExecutor lastResort;

  // The fleet as Membership presents it: remote members, the last resort apart, and who is lost.
  private final ExecutorFleet fleet =
      new ExecutorFleet() {
        @Override
        public List<ExecutorHandle> executors() {
          return core.fleet.executors();
        }

        @Override
        public Optional<ExecutorHandle> lastResort() {
          return Optional.ofNullable(lastResort);
        }

        @Override
        public boolean lost(String executorDid) {
          return lost.contains(executorDid);
        }
      };

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  private JobCoordinator start() {
    return core.start(core.journal, core.ledger, core.receipts, fleet);
  }

  private FakeExecutor local() {
    lastResort = new FakeExecutor("local", core.pending, core.blobs);
    return lastResort;
  }

  @Test
  void withNoOtherExecutorTheLastResortRunsTheWholeJob() {
    FakeExecutor local = local();
    JobCoordinator coordinator = start();

    String jobId =
        coordinator.submit(job("alone", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().toString());
    assertEquals("ALPHA\n|BRAVO\n|CHARLIE\n", new String(result.result(), StandardCharsets.UTF_8));
    for (Placement p : coordinator.queries().placements(jobId, SUBMITTER)) {
      assertEquals(local.did, p.winnerDid(), p.toString());
    }
  }

  @Test
  void anIdleRemoteExecutorTakesEveryTaskAndTheLastResortNone() {
    FakeExecutor local = local();
    local.price = 1;
    FakeExecutor remote = core.executor("remote");
    remote.price = 50;
    JobCoordinator coordinator = start();

    String jobId =
        coordinator.submit(job("remote", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, jobId).status().state());

    assertEquals(List.of(), local.assignments, "cheaper, but only the last resort");
    for (Placement p : coordinator.queries().placements(jobId, SUBMITTER)) {
      assertEquals(remote.did, p.winnerDid(), p.toString());
    }
  }

  @Test
  void whenEveryRemoteExecutorDeclinesTheLastResortTakesTheTask() {
    FakeExecutor local = local();
    core.executor("small").declines = "OVER_MEMORY";
    JobCoordinator coordinator = start();

    String jobId =
        coordinator.submit(
            job("declined", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, jobId).status().state());

    Placement p = coordinator.queries().placements(jobId, SUBMITTER).get(0);
    assertEquals(local.did, p.winnerDid());
    assertTrue(
        p.refusals().stream().anyMatch(r -> r.reason().startsWith("OVER_MEMORY")),
        p.refusals().toString());
  }

  @Test
  void aTaskOnAnExecutorDeclaredLostIsPlacedAgainWithoutWaitingForItsDeadline() throws Exception {
    // Probes off: only membership can tell that the frozen executor is gone.
    core.placement =
        new io.meshwork.orchestrator.tasks.TaskPipeline.Options(
            Duration.ofMillis(1),
            Duration.ofSeconds(2),
            3,
            2,
            Duration.ofMillis(1),
            Duration.ZERO,
            Duration.ZERO,
            Duration.ofMillis(100),
            Duration.ofMinutes(10),
            64,
            true);
    FakeExecutor frozen = core.executor("frozen");
    frozen.price = 1;
    frozen.holding = true;
    FakeExecutor other = core.executor("other");
    other.price = 40;
    JobCoordinator coordinator = start();

    String jobId =
        coordinator.submit(
            job("frozen", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    while (frozen.assignments.isEmpty()) {
      Thread.sleep(5);
    }
    lost.add(frozen.did);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().toString());
    assertEquals("ALPHA\n", new String(result.result(), StandardCharsets.UTF_8));
    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(frozen.did, placements.get(0).winnerDid());
    assertTrue(placements.get(0).outcome().contains("was lost"), placements.get(0).outcome());
    assertEquals(other.did, placements.get(placements.size() - 1).winnerDid());
  }
}
