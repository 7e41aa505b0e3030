package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.errors.MeshException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The settlement outbox over the job core's fakes: a ledger that cannot be reached does not fail
 * the job, and its payments are made once the ledger answers; a restart pays what the journal shows
 * owed; a hold that expired while the orchestrator was away is replaced, and nothing is paid twice
 * even when a payment's acknowledgement was lost before the expiry, or when a payment is in flight
 * while its hold is replaced.
 */
class PaymentOutboxTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  /** The fake ledger, whose payments fail (as unreachable) while {@code failing} is above 0. */
  private final class FlakyLedger implements ManaAccounts {
    final AtomicInteger failing = new AtomicInteger();
    // A payment the ledger makes and whose answer is then lost, while above 0.
    final AtomicInteger lostAnswers = new AtomicInteger();

    @Override
    public String hold(String requestId, String payer, long amount, String jobId, long timeout) {
      return core.ledger.hold(requestId, payer, amount, jobId, timeout);
    }

    @Override
    public void pay(String requestId, String holdId, String payee, long amount, String taskId) {
      if (lostAnswers.getAndDecrement() > 0) {
        core.ledger.pay(requestId, holdId, payee, amount, taskId);
        throw MeshException.unavailable("LEDGER_UNAVAILABLE", "the answer was lost", null);
      }
      if (failing.getAndDecrement() > 0) {
        throw MeshException.unavailable("LEDGER_UNAVAILABLE", "the ledger is down", null);
      }
      core.ledger.pay(requestId, holdId, payee, amount, taskId);
    }

    @Override
    public void extend(String requestId, String holdId, long timeoutMillis) {
      core.ledger.extend(requestId, holdId, timeoutMillis);
    }

    @Override
    public long release(String requestId, String holdId, String memo) {
      return core.ledger.release(requestId, holdId, memo);
    }
  }

  @Test
  void aJobCompletesThroughALedgerOutageAndEachTaskIsPaidOnceAfterwards() throws Exception {
    FakeExecutor executor = core.executor("e1");
    FlakyLedger ledger = new FlakyLedger();
    ledger.failing.set(5);
    JobCoordinator coordinator = core.start(core.journal, ledger, core.receipts, core.fleet);

    String jobId =
        coordinator.submit(job("outage", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    awaitSettled(coordinator, jobId);
    assertTrue(coordinator.settlementRetries() >= 1, "the outbox tried again");
    assertPaidOnce(result, executor);
    assertTrue(core.journal.released(jobId));
    assertEquals(0, core.ledger.openHolds(), "released only once every payment was made");
  }

  @Test
  void aRestartPaysWhatTheJournalShowsOwed() throws Exception {
    FakeExecutor executor = core.executor("e1");
    FlakyLedger ledger = new FlakyLedger();
    ledger.failing.set(Integer.MAX_VALUE);
    JobCoordinator first = core.start(core.journal, ledger, core.receipts, core.fleet);
    String jobId = first.submit(job("owed", "alpha\n", "bravo\n").manifest(), SUBMITTER);
    JobResult result = await(first, jobId);
    assertEquals(JobState.COMPLETED, result.status().state(), "the outage did not fail the job");
    assertEquals(1, core.ledger.openHolds(), "the hold stays while payments are owed");
    first.close();
    assertFalse(core.journal.unpaid(jobId).isEmpty());

    ledger.failing.set(0);
    JobCoordinator next = core.start(core.journal, ledger, core.receipts, core.fleet);
    next.resumeUnfinished();
    awaitSettled(next, jobId);

    assertPaidOnce(result, executor);
    assertTrue(core.journal.unpaid(jobId).isEmpty());
    assertEquals(0, core.ledger.openHolds());
  }

  @Test
  void aHoldThatExpiredMeanwhileIsReplacedAndNothingIsPaidTwice() throws Exception {
    FakeExecutor executor = core.executor("e1");
    FlakyLedger ledger = new FlakyLedger();
    // The first payment is made but its answer is lost; no other gets through until the restart.
    ledger.lostAnswers.set(1);
    ledger.failing.set(Integer.MAX_VALUE);
    JobCoordinator first = core.start(core.journal, ledger, core.receipts, core.fleet);
    String jobId =
        first.submit(job("expired", "alpha\n", "bravo\n", "charlie\n").manifest(), SUBMITTER);
    JobResult result = await(first, jobId);
    first.close();
    String holdId = core.journal.find(jobId).orElseThrow().holdId();
    core.ledger.expire(holdId);
    long submitterBefore = core.ledger.balance(SUBMITTER.did());

    ledger.failing.set(0);
    ledger.lostAnswers.set(0);
    JobCoordinator next = core.start(core.journal, ledger, core.receipts, core.fleet);
    next.resumeUnfinished();
    awaitSettled(next, jobId);

    assertPaidOnce(result, executor);
    assertEquals(1, core.journal.replacementHolds(jobId).size(), "one hold in place of it");
    long paid = result.receipts().stream().mapToLong(JobResult.ReceiptRef::price).sum();
    // The expired hold paid one task; the replacement held and paid the rest.
    long paidByReplacement = submitterBefore - core.ledger.balance(SUBMITTER.did());
    assertTrue(paidByReplacement > 0 && paidByReplacement < paid, "" + paidByReplacement);
    assertEquals(0, core.ledger.openHolds(), "the replacement is released too");
  }

  /**
   * The fake ledger, where the first call of each gate waits, once sent, until the test lets it
   * through: a task's first payment (gated by task id) or a replacement's hold ("replacement"). So
   * a call can be in flight while other threads work on the same job.
   */
  private final class GatedLedger implements ManaAccounts {
    private record Gate(CountDownLatch sent, CountDownLatch through) {}

    final Map<String, Gate> gates = new ConcurrentHashMap<>();

    void gate(String taskId) {
      gates.put(taskId, new Gate(new CountDownLatch(1), new CountDownLatch(1)));
    }

    void awaitSent(String taskId) throws InterruptedException {
      assertTrue(gates.get(taskId).sent().await(30, java.util.concurrent.TimeUnit.SECONDS));
    }

    void letThrough(String taskId) {
      gates.get(taskId).through().countDown();
    }

    @Override
    public String hold(String requestId, String payer, long amount, String jobId, long timeout) {
      // A replacement's hold is gated under the name "replacement".
      pass(requestId.contains(":after:") ? gates.get("replacement") : null);
      return core.ledger.hold(requestId, payer, amount, jobId, timeout);
    }

    private void pass(Gate gate) {
      if (gate != null && gate.sent().getCount() > 0) {
        gate.sent().countDown();
        try {
          gate.through().await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public void pay(String requestId, String holdId, String payee, long amount, String taskId) {
      pass(gates.get(taskId));
      core.ledger.pay(requestId, holdId, payee, amount, taskId);
    }

    @Override
    public void extend(String requestId, String holdId, long timeoutMillis) {
      core.ledger.extend(requestId, holdId, timeoutMillis);
    }

    @Override
    public long release(String requestId, String holdId, String memo) {
      return core.ledger.release(requestId, holdId, memo);
    }
  }

  /**
   * Found by the kill-point test: two tasks' payments are in flight to a hold that has expired
   * while a third task's thread replaces it. The replacement settles both against the expired hold
   * (refused), and each in-flight payment is then refused as well: told twice of the same refusal,
   * a payment must move to the next hold once, not skip it (which took yet another hold and paid
   * from it a task the skipped hold had paid).
   */
  @Test
  void paymentsInFlightWhileTheirHoldIsReplacedArePaidOnce() throws Exception {
    GatedLedger ledger = new GatedLedger();
    String jobId = "in-flight";
    String executor = "did:key:z6MkExecutor";
    try (PaymentOutbox outbox = outboxOfAnExpiredHold(jobId, ledger, Duration.ofHours(1))) {
      ledger.gate("t1");
      ledger.gate("t3");
      Thread first = Thread.ofVirtual().start(() -> outbox.owe(task(jobId, "t1", executor)));
      ledger.awaitSent("t1");
      Thread third = Thread.ofVirtual().start(() -> outbox.owe(task(jobId, "t3", executor)));
      ledger.awaitSent("t3");

      outbox.owe(task(jobId, "t2", executor));
      ledger.letThrough("t3");
      third.join();
      ledger.letThrough("t1");
      first.join();

      for (String taskId : java.util.List.of("t1", "t2", "t3")) {
        assertEquals(1, core.ledger.paymentsFor(taskId), taskId + " paid once");
      }
      assertEquals(3, core.ledger.balance(executor));
      assertEquals(1, core.journal.replacementHolds(jobId).size(), "one hold in place of it");
      assertEquals(0, outbox.owedCount());
      assertEquals(JobCore.GRANT, core.ledger.total(), "no mana made or lost");
    }
  }

  /**
   * Found in review: while a task's thread takes a replacement hold (the ledger has not answered
   * yet), the worker, seeing a replacement under way, waited for the account and then asked to
   * replace whatever hold was current by then: the new, open one. It held the submitter's mana a
   * second time and left the first replacement unreleased until its lease ran out.
   */
  @Test
  void aReplacementUnderWayIsFinishedNotRepeatedByTheWorker() throws Exception {
    GatedLedger ledger = new GatedLedger();
    String jobId = "replacing";
    String executor = "did:key:z6MkExecutor";
    // A short lease: the worker goes round every 100 ms.
    try (PaymentOutbox outbox = outboxOfAnExpiredHold(jobId, ledger, Duration.ofMillis(300))) {
      ledger.gate("replacement");
      Thread task = Thread.ofVirtual().start(() -> outbox.owe(task(jobId, "t1", executor)));
      ledger.awaitSent("replacement");
      // Rounds of the worker meanwhile find the replacement under way.
      Thread.sleep(500);
      ledger.letThrough("replacement");
      task.join();
      // The job still runs; rounds of the worker go on.
      Thread.sleep(500);

      assertEquals(1, core.ledger.paymentsFor("t1"));
      assertEquals(1, core.journal.replacementHolds(jobId).size(), "one hold in place of it");
      assertEquals(1, core.ledger.openHolds(), "only the replacement holds mana");
      assertEquals(JobCore.GRANT - 100, core.ledger.balance(SUBMITTER.did()));
    }
  }

  /**
   * An outbox on {@code ledger} with the account of {@code jobId} open, its hold of 100 expired.
   */
  private PaymentOutbox outboxOfAnExpiredHold(String jobId, ManaAccounts ledger, Duration lease) {
    PaymentOutbox outbox =
        new PaymentOutbox(
            core.journal,
            ledger,
            new LedgerRequests("did:key:z6MkOrchestrator"),
            (gap, taskId) -> {},
            Clock.systemUTC(),
            new PaymentOutbox.Options(lease, Duration.ofMillis(10), Duration.ofMillis(50)),
            ServiceMetrics.none());
    String hold = core.ledger.hold("hold:" + jobId, SUBMITTER.did(), 100, jobId, 3_600_000);
    outbox.opened(jobId, SUBMITTER.did(), 100, hold);
    core.ledger.expire(hold);
    return outbox;
  }

  private static TaskRecord task(String jobId, String taskId, String executor) {
    return new TaskRecord(
        taskId, jobId, 0, "execute", executor, 1, new byte[0], null, "receipt-" + taskId, 0);
  }

  private void assertPaidOnce(JobResult result, FakeExecutor executor) {
    long spent = 0;
    for (JobResult.ReceiptRef ref : result.receipts()) {
      assertEquals(1, core.ledger.paymentsFor(ref.taskId()), ref.taskId());
      spent += ref.price();
    }
    assertEquals(spent, core.ledger.balance(executor.did), "the executor got each price once");
    assertEquals(JobCore.GRANT - spent, core.ledger.balance(SUBMITTER.did()));
    assertEquals(JobCore.GRANT, core.ledger.total(), "no mana made or lost");
  }

  /** Waits until the outbox has paid everything the job owes and released its hold. */
  private static void awaitSettled(JobCoordinator coordinator, String jobId)
      throws InterruptedException {
    for (int i = 0; i < 600 && coordinator.settling(jobId); i++) {
      Thread.sleep(50);
    }
    assertFalse(coordinator.settling(jobId), "job " + jobId + " settled");
  }
}
