package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run that stops because its orchestrator stops or was deposed ends nothing: the job stays
 * unfinished in the journal with its hold open, and whoever opens the journal next completes it and
 * pays each task once.
 */
class BrokenOffJobsTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  @Test
  void aStoppingOrchestratorLeavesItsJobsToTheNextOne() throws Exception {
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    JobCoordinator stopping = core.start();
    String jobId =
        stopping.submit(job("stopped", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    slow.awaitAssignments(3);

    stopping.close();

    assertLeftUnfinished(jobId);
    assertCompletedByTheNext(slow, jobId);
  }

  @Test
  void aDeposedLeaderLeavesItsJobsToTheNewOne() throws Exception {
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    AtomicBoolean deposed = new AtomicBoolean();
    JobCoordinator old = core.start(fencedOnce(deposed), core.ledger, core.receipts, core.fleet);
    String jobId =
        old.submit(job("deposed", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    slow.awaitAssignments(3);

    // Another replica fenced the journal: this one's next write is refused.
    deposed.set(true);
    slow.release();
    JobResult seen = old.queries().result(jobId, Duration.ofSeconds(30), SUBMITTER);

    assertEquals(JobState.COMPUTING, seen.status().state(), "broken off, not ended");
    assertLeftUnfinished(jobId);
    assertEquals(0, core.ledger.balance(slow.did), "a refused journal write is never paid");
    assertCompletedByTheNext(slow, jobId);
  }

  private void assertLeftUnfinished(String jobId) {
    assertEquals(JobState.COMPUTING, core.journal.find(jobId).orElseThrow().state());
    assertEquals(1, core.ledger.openHolds(), "the hold stays for whoever resumes the job");
  }

  private void assertCompletedByTheNext(FakeExecutor executor, String jobId) {
    executor.holding = false;
    JobCoordinator next = core.start();
    next.resumeUnfinished();
    JobResult result = await(next, jobId);
    assertEquals(JobState.COMPLETED, result.status().state());
    long spent = result.receipts().stream().mapToLong(JobResult.ReceiptRef::price).sum();
    assertEquals(spent, core.ledger.balance(executor.did));
    for (JobResult.ReceiptRef ref : result.receipts()) {
      assertEquals(1, core.ledger.paymentsFor(ref.taskId()), ref.taskId());
    }
    assertEquals(JobCore.GRANT, core.ledger.total());
    assertEquals(0, core.ledger.openHolds());
  }

  /** The journal, whose writes are refused as fenced out once {@code deposed} is set. */
  private JobStore fencedOnce(AtomicBoolean deposed) {
    return (JobStore)
        Proxy.newProxyInstance(
            JobStore.class.getClassLoader(),
            new Class<?>[] {JobStore.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (deposed.get()
                  && (name.startsWith("save")
                      || name.startsWith("update")
                      || name.startsWith("insert"))) {
                throw new FencedOutException(2, 1);
              }
              try {
                return method.invoke(core.journal, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
