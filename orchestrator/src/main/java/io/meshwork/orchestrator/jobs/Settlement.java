package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.TaskOutcome;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.runtime.ServiceMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Settles verified results: anchors the receipts behind each in the receipt log, journals the task,
 * then owes every executor whose run the verification confirmed its pay, which the {@link
 * PaymentOutbox} pays out of the job's hold.
 *
 * <p>The order is what makes a crash safe: a task is journaled only once its receipts are anchored,
 * and it is paid only after it is journaled, with a request id fixed by the task and the executor.
 * A journaled payment stays owed until the ledger acknowledges it, across restarts; the ledger
 * answers a repeated id with its first outcome, so nothing is paid twice and nothing is lost.
 *
 * <p>Neither service being down fails the job: anchoring is idempotent and is tried again, with a
 * back-off, until the log answers (or the job is stopped or past its deadline), and a payment the
 * ledger does not acknowledge is left to the outbox while the job goes on.
 */
final class Settlement {
  private final ReceiptLog receipts;
  private final JobStore store;
  private final ModuleCosts costs;
  private final JobProgress progress;
  private final ResultStorage results;
  private final PaymentOutbox outbox;
  private final SettlementGaps gaps;
  private final Clock clock;
  private final ServiceMetrics.Counter tasksSettled;
  private final ServiceMetrics.Counter manaPaid;

  Settlement(
      ReceiptLog receipts,
      JobStore store,
      ModuleCosts costs,
      JobProgress progress,
      ResultStorage results,
      PaymentOutbox outbox,
      SettlementGaps gaps,
      Clock clock,
      ServiceMetrics metrics) {
    this.results = results;
    this.outbox = outbox;
    this.gaps = gaps;
    this.clock = clock;
    this.receipts = receipts;
    this.store = store;
    this.costs = costs;
    this.progress = progress;
    this.tasksSettled =
        metrics.counter("meshwork.orchestrator.tasks", "tasks verified, paid and anchored");
    this.manaPaid = metrics.counter("meshwork.orchestrator.mana.paid", "mana paid to executors");
  }

  /**
   * Anchors, journals and pays for the accepted result; returns it as the job keeps it (a large one
   * in the blob store, journaled by its CID).
   */
  ResultContent settle(RunningJob job, TaskOutcome outcome) {
    TaskSpec task = outcome.task();
    // Stored before it is journaled: a crash in between leaves a blob the job uses and releases
    // when it ends, never a journal entry naming a blob that is not there.
    ResultContent result =
        results.keep(
            job.spec, task.taskId(), task.exportName(), outcome.result(), outcome.resultCid());
    List<Receipt> toAnchor = new ArrayList<>();
    toAnchor.add(outcome.receipt());
    outcome.alsoPaid().forEach(p -> toAnchor.add(p.receipt()));
    List<ReceiptLog.Anchored> anchoredAll = anchor(job, task, toAnchor);
    gaps.reached(SettlementGaps.Gap.AFTER_ANCHOR, task.taskId());
    ReceiptLog.Anchored anchored = anchoredAll.get(0);
    List<TaskRecord.Payment> others = new ArrayList<>();
    for (int i = 0; i < outcome.alsoPaid().size(); i++) {
      TaskOutcome.Paid p = outcome.alsoPaid().get(i);
      others.add(
          new TaskRecord.Payment(
              p.receipt().executorDid(),
              p.price(),
              anchoredAll.get(i + 1).receiptCid(),
              anchoredAll.get(i + 1).logIndex()));
    }
    TaskRecord record =
        new TaskRecord(
            task.taskId(),
            task.jobId(),
            task.chunkIndex(),
            task.exportName(),
            // A peer that ran a delegated task paid its executors from its own hold; it is the one
            // reimbursed here.
            outcome.payee(),
            outcome.price(),
            result.bytes(),
            result.cid(),
            anchored.receiptCid(),
            anchored.logIndex(),
            others,
            result.size());
    store.saveTask(record);
    for (TaskRecord.Payment p : record.payments()) {
      // The price was reserved when its bid won; journaled, it is spent, paid now or later.
      job.paid(p.price());
      manaPaid.increment(p.price());
    }
    outbox.owe(record);
    tasksSettled.increment();
    if ("execute".equals(task.exportName())) {
      costs.record(task.moduleCid(), outcome.receipt().fuelUsed(), task.chunk().size());
      synchronized (job) {
        job.completedChunks++;
      }
      progress.changed(job);
    }
    return result;
  }

  /**
   * Counts a task journaled before a restart as spent: its payments are the outbox's, which pays
   * whatever the journal still shows owed.
   */
  void replay(RunningJob job, TaskRecord task) {
    for (TaskRecord.Payment p : task.payments()) {
      // Nothing was reserved for it in this run of the job.
      job.spentBefore(p.price());
    }
  }

  /**
   * Anchors the receipts, trying again while the log cannot be reached until it answers or the job
   * stops or would pass its deadline. Anchoring is idempotent, so a try whose answer was lost is
   * harmless.
   */
  private List<ReceiptLog.Anchored> anchor(RunningJob job, TaskSpec task, List<Receipt> toAnchor) {
    return UnreachableRetry.call(
        "anchoring the receipts of task " + task.taskId(),
        () -> receipts.anchor(toAnchor),
        wait -> job.stopped() || clock.millis() + wait > task.deadlineMillis(),
        outbox::retried);
  }
}
