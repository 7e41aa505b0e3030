package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A job's life through the job core: split, place, verify, settle, merge, finish. */
class JobCoordinatorTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void aMultiChunkJobIsSplitPlacedVerifiedSettledMergedAndFinished() {
    FakeExecutor a = core.executor("a");
    FakeExecutor b = core.executor("b");
    b.price = 12;
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("words", "alpha\n", "bravo\n", "charlie\n", "delta\n").manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    // Merged by the module's merge, in chunk order.
    assertEquals("ALPHA\n|BRAVO\n|CHARLIE\n|DELTA\n", text(result.result()));
    assertEquals(Cid.of(result.result()), result.resultCid());
    assertEquals(4, result.status().totalChunks());
    assertEquals(4, result.status().completedChunks());
    // Four chunks and the merge, each with an anchored receipt and a payment.
    assertEquals(5, result.receipts().size());
    List<Receipt> anchored = core.receipts.entries();
    assertEquals(5, anchored.size());
    for (JobResult.ReceiptRef ref : result.receipts()) {
      assertEquals(1, core.ledger.paymentsFor(ref.taskId()), ref.taskId());
      Receipt r = anchored.get((int) ref.logIndex());
      assertEquals(ref.taskId(), r.taskId());
      assertEquals(Cid.of(r.leaf()), ref.receiptCid());
    }
    assertEquals("merge", anchored.get(4).exportName());
    // What was spent went to the executors; the rest came back; nothing was made or lost.
    long spent = result.receipts().stream().mapToLong(JobResult.ReceiptRef::price).sum();
    assertEquals(spent, result.status().manaSpent());
    assertEquals(1_000 - spent, result.status().manaRefunded());
    assertEquals(JobCore.GRANT - spent, core.ledger.balance(SUBMITTER.did()));
    assertEquals(spent, core.ledger.balance(a.did) + core.ledger.balance(b.did));
    assertEquals(JobCore.GRANT, core.ledger.total());
    assertEquals(0, core.ledger.openHolds());
    // Every ledger request id names this orchestrator, so that another one sharing the ledger
    // can use the same job ids without a collision.
    String me = core.self.did();
    List<String> requestIds = core.ledger.requestIds();
    assertEquals("hold:" + me + ":words", requestIds.get(0));
    assertTrue(requestIds.contains("pay:" + me + ":words:0"), requestIds.toString());
    assertTrue(requestIds.contains("pay:" + me + ":words:merge"), requestIds.toString());
    assertEquals("release:" + me + ":words", requestIds.get(requestIds.size() - 1));
    // The cheaper executor won every auction, and each placement says why.
    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(5, placements.size());
    for (Placement p : placements) {
      assertEquals(a.did, p.winnerDid());
      assertTrue(p.reason().startsWith("lowest score"), p.reason());
      assertEquals("accepted: receipt verified, result hash matches", p.outcome());
    }
    // The journal holds the outcome for when the job is no longer in memory.
    JobRecord journaled = core.journal.find(jobId).orElseThrow();
    assertEquals(JobState.COMPLETED, journaled.state());
    assertEquals(result.resultCid(), journaled.resultCid());
  }

  @Test
  void aResultThatContradictsItsReceiptIsRefusedAndTheTaskGoesToAnotherExecutor() {
    FakeExecutor cheat = core.executor("cheat");
    cheat.price = 1;
    cheat.conduct = FakeExecutor.Conduct.CONTRADICTS;
    FakeExecutor honest = core.executor("honest");
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("contradiction", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\n", text(result.result()));
    List<Placement> placements = coordinator.queries().placements(jobId, SUBMITTER);
    assertEquals(2, placements.size());
    assertEquals(cheat.did, placements.get(0).winnerDid());
    assertEquals(
        "failed: result rejected: the returned bytes are not the output the receipt commits to",
        placements.get(0).outcome());
    assertEquals(honest.did, placements.get(1).winnerDid());
    assertTrue(
        placements.get(1).refusals().stream()
            .anyMatch(r -> r.executor().equals(cheat.did) && r.reason().startsWith("ALREADY_USED")),
        placements.get(1).refusals().toString());
    // The cheat is not paid, and its lie is on its record.
    assertEquals(0, core.ledger.balance(cheat.did));
    assertEquals(10, core.ledger.balance(honest.did));
    assertEquals(1, core.journal.executor(cheat.did).caught());
    assertEquals(
        List.of(honest.did), core.receipts.entries().stream().map(Receipt::executorDid).toList());
  }

  @Test
  void cancelInTheMiddleStopsTheRunningTasksAndReturnsTheBudget() throws Exception {
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(
            job("cancelled", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    slow.awaitAssignments(3);

    assertTrue(coordinator.cancel(jobId, SUBMITTER));

    JobStatus status = coordinator.queries().status(jobId, SUBMITTER);
    assertEquals(JobState.CANCELLED, status.state());
    assertEquals("cancelled by the submitter", status.errorMessage());
    assertEquals(0, status.manaSpent());
    assertEquals(1_000, status.manaRefunded());
    // Every assignment still running was told to stop, and nothing more was assigned.
    assertEquals(3, slow.assignments.size());
    for (var a : slow.assignments) {
      assertTrue(slow.cancelled.contains(a.assignmentId()), a.assignmentId());
    }
    assertEquals(JobCore.GRANT, core.ledger.balance(SUBMITTER.did()));
    assertEquals(0, core.ledger.openHolds());
    assertTrue(core.receipts.entries().isEmpty());
    // A second cancel finds it ended.
    assertEquals(false, coordinator.cancel(jobId, SUBMITTER));
  }

  @Test
  void aJobResumedFromTheJournalPaysEveryTaskOnceAndRunsNoneTwice() throws Exception {
    FakeExecutor a = core.executor("a");
    core.maxParallelTasks = 1;
    // The first process dies right after journaling its third task, before paying for it.
    CrashingProcess first = new CrashingProcess(3);
    JobCoordinator before =
        core.start(
            first.port(JobStore.class, core.journal),
            first.port(ManaAccounts.class, core.ledger),
            first.port(ReceiptLog.class, core.receipts),
            first.port(io.meshwork.orchestrator.tasks.ExecutorFleet.class, core.fleet));
    String jobId =
        before.submit(
            job("resumed", "alpha\n", "bravo\n", "charlie\n", "delta\n", "echo\n").manifest(),
            SUBMITTER);
    first.awaitDeath();
    before.close();
    List<TaskRecord> journaled = core.journal.tasks(jobId);
    assertEquals(3, journaled.size());
    assertEquals(JobState.COMPUTING, core.journal.find(jobId).orElseThrow().state());
    assertEquals(0, core.ledger.paymentsFor(journaled.get(2).taskId()), "journaled, not yet paid");

    JobCoordinator after = core.start();
    after.resumeUnfinished();
    JobResult result = await(after, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\n|BRAVO\n|CHARLIE\n|DELTA\n|ECHO\n", text(result.result()));
    // Every task, the merge included, was paid exactly once: the two paid before the crash were
    // marked paid in the journal, and the third, journaled but not paid, was owed and paid after.
    assertEquals(6, result.receipts().size());
    for (JobResult.ReceiptRef ref : result.receipts()) {
      assertEquals(1, core.ledger.paymentsFor(ref.taskId()), ref.taskId());
    }
    assertTrue(core.journal.unpaid(jobId).isEmpty(), "nothing left owed");
    // No journaled task ran again.
    for (TaskRecord t : journaled) {
      assertEquals(
          1, a.assignments.stream().filter(x -> x.taskId().equals(t.taskId())).count(), t.taskId());
    }
    long spent = result.receipts().stream().mapToLong(JobResult.ReceiptRef::price).sum();
    assertEquals(spent, result.status().manaSpent());
    assertEquals(1_000 - spent, result.status().manaRefunded());
    assertEquals(spent, core.ledger.balance(a.did));
    assertEquals(JobCore.GRANT, core.ledger.total());
    assertEquals(0, core.ledger.openHolds());
  }

  @Test
  void aSubmissionJournaledWithItsAnswerLostStartsWhenRetried() {
    FakeExecutor a = core.executor("a");
    // The journal commits the job's row, but the call fails as if the acknowledgement was lost.
    JobStore losesFirstAck =
        (JobStore)
            java.lang.reflect.Proxy.newProxyInstance(
                JobStore.class.getClassLoader(),
                new Class<?>[] {JobStore.class},
                new java.lang.reflect.InvocationHandler() {
                  private boolean lost;

                  @Override
                  public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args)
                      throws Throwable {
                    Object r;
                    try {
                      r = m.invoke(core.journal, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                      throw e.getCause();
                    }
                    if (m.getName().equals("insert") && !lost) {
                      lost = true;
                      throw new IllegalStateException("connection lost during COMMIT");
                    }
                    return r;
                  }
                });
    JobCoordinator coordinator = core.start(losesFirstAck, core.ledger, core.receipts, core.fleet);
    JobCore.Job job = job("retried", "alpha\n", "bravo\n");

    assertThrows(IllegalStateException.class, () -> coordinator.submit(job.manifest(), SUBMITTER));
    String jobId = coordinator.submit(job.manifest(), SUBMITTER);

    JobResult result = await(coordinator, jobId);
    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\n|BRAVO\n", text(result.result()));
    assertEquals(0, core.ledger.openHolds());
    assertEquals(JobCore.GRANT, core.ledger.total());
    assertTrue(a.assignments.size() >= 2);
  }

  @Test
  void aSubmitterAtItsLimitOfJobsIsRefusedUntilOneEnds() throws Exception {
    core.maxJobsPerUser = 1;
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    JobCoordinator coordinator = core.start();
    String first =
        coordinator.submit(
            job("first", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    slow.awaitAssignments(1);

    MeshException refused =
        assertThrows(
            MeshException.class,
            () ->
                coordinator.submit(
                    job("second", "bravo\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER));
    assertEquals(MeshException.Kind.RESOURCE_EXHAUSTED, refused.kind());
    assertEquals("TOO_MANY_JOBS", refused.reason());
    assertEquals(JobCore.GRANT - 1_000, core.ledger.balance(SUBMITTER.did()), "nothing more held");

    slow.release();
    assertEquals(JobState.COMPLETED, await(coordinator, first).status().state());
    String second =
        coordinator.submit(
            job("second", "bravo\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    assertEquals(JobState.COMPLETED, await(coordinator, second).status().state());
  }

  @Test
  void aResultCallWaitsNoLongerThanTheMeshAllows() throws Exception {
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(
            job("long", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    slow.awaitAssignments(1);

    assertEquals(
        java.time.Duration.ofMinutes(5),
        coordinator.queries().boundedWait(java.time.Duration.ofDays(1)));
    assertEquals(
        java.time.Duration.ofSeconds(1),
        coordinator.queries().boundedWait(java.time.Duration.ofSeconds(1)));
    JobResult early = coordinator.queries().result(jobId, java.time.Duration.ZERO, SUBMITTER);
    assertEquals(JobState.COMPUTING, early.status().state());
    slow.release();
  }

  @Test
  void onlyAnExecutorHoldingAnAssignmentOfTheModuleMayFetchIt() throws Exception {
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    JobCoordinator coordinator = core.start();
    coordinator.submit(
        job("module", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    slow.awaitAssignments(1);
    String cid = io.meshwork.content.Cid.of(JobCore.WITHOUT_MERGE);

    assertArrayEquals(
        JobCore.WITHOUT_MERGE,
        coordinator
            .queries()
            .module(
                cid,
                io.meshwork.runtime.auth.Caller.of(
                    slow.did, io.meshwork.runtime.auth.Role.EXECUTOR)));
    MeshException stranger =
        assertThrows(
            MeshException.class,
            () ->
                coordinator
                    .queries()
                    .module(
                        cid,
                        io.meshwork.runtime.auth.Caller.of(
                            "did:key:z6MkOther", io.meshwork.runtime.auth.Role.EXECUTOR)));
    assertEquals(MeshException.Kind.PERMISSION_DENIED, stranger.kind());
    assertEquals("NO_LIVE_ASSIGNMENT", stranger.reason());
    slow.release();
  }
}
