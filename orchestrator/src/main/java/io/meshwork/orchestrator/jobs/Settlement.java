package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.TaskOutcome;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.runtime.ServiceMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * Settles verified results: anchors the receipts behind each in the receipt log, journals the task,
 * then pays every executor whose run the verification confirmed, out of the job's hold.
 *
 * <p>The order is what makes a crash safe: a task is journaled only once its receipts are anchored,
 * and it is paid only after it is journaled, with a request id fixed by the task and the executor.
 * After a restart, {@link #replay} pays every journaled task again under the same ids; the ledger
 * answers a repeated id with its first outcome, so nothing is paid twice and nothing is lost.
 */
final class Settlement {
  private final ReceiptLog receipts;
  private final JobStore store;
  private final ManaAccounts mana;
  private final ModuleCosts costs;
  private final JobProgress progress;
  private final LedgerRequests requests;
  private final ResultStorage results;
  private final ServiceMetrics.Counter tasksSettled;
  private final ServiceMetrics.Counter manaPaid;

  Settlement(
      ReceiptLog receipts,
      JobStore store,
      ManaAccounts mana,
      ModuleCosts costs,
      JobProgress progress,
      LedgerRequests requests,
      ResultStorage results,
      ServiceMetrics metrics) {
    this.results = results;
    this.receipts = receipts;
    this.store = store;
    this.mana = mana;
    this.costs = costs;
    this.progress = progress;
    this.requests = requests;
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
    List<ReceiptLog.Anchored> anchoredAll = receipts.anchor(toAnchor);
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
    List<TaskRecord.Payment> payments = record.payments();
    for (int i = 0; i < payments.size(); i++) {
      pay(job, task.taskId(), payments.get(i), i);
      // The price was reserved when its bid won; now it is spent.
      job.paid(payments.get(i).price());
      manaPaid.increment(payments.get(i).price());
    }
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
   * Pays a task journaled before a restart again, with the request ids of its first payment: the
   * ledger answers with the first outcome, which settles a crash between journal and payment.
   */
  void replay(RunningJob job, TaskRecord task) {
    List<TaskRecord.Payment> payments = task.payments();
    for (int i = 0; i < payments.size(); i++) {
      pay(job, task.taskId(), payments.get(i), i);
      // Nothing was reserved for it in this run of the job.
      job.spentBefore(payments.get(i).price());
    }
  }

  private void pay(RunningJob job, String taskId, TaskRecord.Payment p, int position) {
    mana.pay(
        requests.pay(taskId, p.executorDid(), position),
        job.holdId,
        p.executorDid(),
        p.price(),
        taskId);
  }
}
