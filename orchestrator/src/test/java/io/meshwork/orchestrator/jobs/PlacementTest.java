package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.trust.ExecutorRecord;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How tasks find executors: the auction, BUSY back-off, work stealing and priorities. */
class PlacementTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  private static Map<String, String> refusals(Placement p) {
    return p.refusals().stream()
        .collect(Collectors.toMap(Placement.Refusal::executor, Placement.Refusal::reason));
  }

  @Test
  void theAuctionRefusesEachExecutorThatCannotTakeTheTaskWithItsReasonAndRanksTheRest() {
    core.executor("decliner").declines = "OVER_MEMORY";
    FakeExecutor pricey = core.executor("pricey");
    pricey.price = 2_000;
    FakeExecutor untrusted = core.executor("untrusted");
    untrusted.price = 1;
    core.journal.saveExecutor(new ExecutorRecord(untrusted.did, 0, 3, 0, 0));
    core.executor("gone").unreachable = true;
    FakeExecutor cheap = core.executor("cheap");
    cheap.price = 3;
    FakeExecutor fair = core.executor("fair");
    fair.price = 9;
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("auction", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, jobId).status().state());

    Placement p = coordinator.queries().placements(jobId, SUBMITTER).get(0);
    assertEquals(cheap.did, p.winnerDid());
    assertEquals(3, p.price());
    assertTrue(p.reason().startsWith("lowest score"), p.reason());
    // The two eligible bids, the winner's first, the loser told what it lost on.
    assertEquals(
        List.of(cheap.did, fair.did), p.bids().stream().map(b -> b.executorDid()).toList());
    assertTrue(p.bids().get(0).won());
    assertTrue(p.bids().get(1).reason().contains("price 9 > 3 mana"), p.bids().get(1).reason());
    Map<String, String> refused = refusals(p);
    assertEquals(4, refused.size(), refused.toString());
    assertEquals("OVER_MEMORY (this fake declines)", refused.get("fake-decliner"));
    assertEquals(
        "TOO_EXPENSIVE (bid 2000 mana, above the 1000 the job's budget has left)",
        refused.get(pricey.did));
    assertTrue(
        refused
            .get(untrusted.did)
            .startsWith("UNTRUSTED (its verified reputation 0.13 is below the threshold 0.20"),
        refused.get(untrusted.did));
    assertTrue(refused.get("fake-gone").startsWith("UNREACHABLE (UNAVAILABLE"), refused.toString());
  }

  @Test
  void aBidInAnotherExecutorsNameIsRefusedAndTheNamedExecutorKeepsItsStanding() {
    FakeExecutor honest = core.executor("honest");
    honest.price = 9;
    FakeExecutor impostor = core.executor("impostor");
    impostor.price = 1;
    impostor.bidsAs = honest.did;
    // The impostor would lie if it ran anything: winning in the honest one's name would get the
    // honest one blamed for it.
    impostor.conduct = FakeExecutor.Conduct.CONTRADICTS;
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("impersonated", "alpha\n", "bravo\n").module(JobCore.WITHOUT_MERGE).manifest(),
            SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, jobId).status().state());

    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(2, placements.size(), placements.toString());
    for (Placement p : placements) {
      assertEquals(honest.did, p.winnerDid());
      assertEquals(9, p.price(), "the honest price, not the impostor's");
      assertTrue(p.outcome().startsWith("accepted"), p.outcome());
      assertEquals(
          "IMPERSONATION (it bid as "
              + honest.did
              + ", but its certificate names "
              + impostor.did
              + ")",
          refusals(p).get(impostor.did));
    }
    assertTrue(impostor.assignments.isEmpty(), "nothing was assigned to the impostor");
    ExecutorRecord record = core.journal.executor(honest.did);
    assertEquals(0, record.failed(), "the honest executor is blamed for nothing");
    assertEquals(0, record.caught(), "the honest executor is blamed for nothing");
  }

  @Test
  void bidsOfZeroOrOfTwoToTheSixtyThirdAreRefusedAndTheHonestPriceWins() {
    FakeExecutor free = core.executor("free");
    free.price = 0;
    FakeExecutor huge = core.executor("huge");
    // 2^63 as the wire's uint64: the top bit set, which a Java long reads as negative.
    huge.price = Long.MIN_VALUE;
    FakeExecutor fair = core.executor("fair");
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("prices", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    Placement p = coordinator.queries().placements(jobId, SUBMITTER).get(0);
    assertEquals(fair.did, p.winnerDid());
    Map<String, String> refused = refusals(p);
    assertEquals(
        "INVALID_PRICE (a bid must ask a positive number of mana, not 0)", refused.get(free.did));
    assertEquals(
        "INVALID_PRICE (a bid must ask a positive number of mana, not 9223372036854775808)",
        refused.get(huge.did));
    assertEquals(10, result.status().manaSpent());
  }

  @Test
  void whenNobodyCanTakeATaskTheJobFailsNamingEveryExecutorAndItsReason() {
    core.executor("decliner").declines = "BUSY";
    core.executor("gone").unreachable = true;
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("nobody", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.FAILED, result.status().state());
    String why = result.status().errorMessage();
    assertTrue(why.startsWith("no executor could take task nobody:0: "), why);
    assertTrue(why.contains("fake-decliner: BUSY (this fake declines)"), why);
    assertTrue(why.contains("fake-gone: UNREACHABLE ("), why);
    Placement none = coordinator.queries().placements(jobId, SUBMITTER).get(0);
    assertEquals("no executor could take it", none.outcome());
    assertEquals("", none.winnerDid());
    assertEquals(1_000, result.status().manaRefunded());
  }

  @Test
  void anExecutorFullAtAssignmentCostsNoAttemptAndTheTaskIsAuctionedAgain() {
    FakeExecutor full = core.executor("full");
    full.busyRefusals.set(1);
    JobCoordinator coordinator = core.start();

    // No retries at all: a BUSY refusal must not use up the only attempt.
    String jobId =
        coordinator.submit(
            job("busy", "alpha\n").module(JobCore.WITHOUT_MERGE).retries(0).manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(
        List.of(
            "the executor was full at assignment; auctioned again",
            "accepted: receipt verified, result hash matches"),
        placements.stream().map(Placement::outcome).toList());
    assertEquals(2, full.assignments.size());
    assertEquals(0, core.journal.executor(full.did).failed(), "a full executor is not at fault");
  }

  @Test
  void anExecutorThatNeverAcknowledgesCostsNoRetryAndTheTaskGoesToAnother() {
    FakeExecutor silent = core.executor("silent");
    silent.price = 1;
    silent.silentOnAssign = true;
    FakeExecutor honest = core.executor("honest");
    JobCoordinator coordinator = core.start();

    // No retries: the executor's silence is not the task's failure.
    String jobId =
        coordinator.submit(
            job("silent", "alpha\n").module(JobCore.WITHOUT_MERGE).retries(0).manifest(),
            SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().errorMessage());
    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(2, placements.size(), placements.toString());
    assertEquals(silent.did, placements.get(0).winnerDid());
    assertTrue(placements.get(0).outcome().endsWith("placed again"), placements.toString());
    assertEquals(honest.did, placements.get(1).winnerDid());
    assertEquals(1, core.journal.executor(silent.did).failed(), "the silent executor is at fault");
  }

  @Test
  void whenNoExecutorAcknowledgesTheTaskFailsOnceEachWasTried() {
    for (String name : List.of("a", "b")) {
      core.executor(name).silentOnAssign = true;
    }
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("nobody", "alpha\n").module(JobCore.WITHOUT_MERGE).retries(0).manifest(),
            SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.FAILED, result.status().state());
    // Each was tried once; then no executor was left to bid.
    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(
        2,
        placements.stream().filter(p -> p.outcome().endsWith("placed again")).count(),
        placements.toString());
  }

  @Test
  void aTaskQueuedOnABusyExecutorIsWithdrawnForAnIdleOne() {
    FakeExecutor busy = core.executor("busy");
    busy.price = 1;
    busy.holding = true;
    busy.queued = true;
    FakeExecutor idle = core.executor("idle");
    idle.price = 5;
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("stolen", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(2, placements.size());
    assertEquals(busy.did, placements.get(0).winnerDid());
    assertEquals(
        "withdrawn from " + busy.did + "'s queue: " + idle.did + " had a free slot (work stealing)",
        placements.get(0).outcome());
    assertEquals(idle.did, placements.get(1).winnerDid());
    assertEquals(
        "PASSED_OVER (the task was just withdrawn from its queue)",
        refusals(placements.get(1)).get(busy.did));
    assertEquals(1, busy.withdrawn.size());
    assertEquals(5, core.ledger.balance(idle.did));
    assertEquals(0, core.ledger.balance(busy.did));
    assertEquals(0, core.journal.executor(busy.did).failed(), "being busy is no failure");
  }

  @Test
  void aHigherPriorityTaskTakesTheNextFreePlaceAheadOfOneThatCameFirst() throws Exception {
    core.maxParallelTasks = 1;
    FakeExecutor only = core.executor("only");
    only.holding = true;
    JobCoordinator coordinator = core.start();
    String first =
        coordinator.submit(
            job("first", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    only.awaitAssignments(1);
    String low =
        coordinator.submit(
            job("low", "bravo\n").module(JobCore.WITHOUT_MERGE).priority("low").manifest(),
            SUBMITTER);
    awaitWaiting(coordinator, 1);
    String urgent =
        coordinator.submit(
            job("urgent", "charlie\n")
                .module(JobCore.WITHOUT_MERGE)
                .priority("critical")
                .manifest(),
            SUBMITTER);
    awaitWaiting(coordinator, 2);

    only.release();
    for (String id : List.of(first, low, urgent)) {
      assertEquals(JobState.COMPLETED, await(coordinator, id).status().state(), id);
    }

    assertEquals(
        List.of("first:0", "urgent:0", "low:0"),
        only.assignments.stream().map(Assignment::taskId).toList());
  }

  /** Waits until {@code n} tasks wait for the scheduler's one place. */
  private static void awaitWaiting(JobCoordinator coordinator, int n) {
    long until = System.nanoTime() + 30_000_000_000L;
    while (coordinator.tasksWaiting() < n) {
      if (System.nanoTime() > until) {
        throw new AssertionError("only " + coordinator.tasksWaiting() + " tasks wait");
      }
      Thread.onSpinWait();
    }
  }
}
