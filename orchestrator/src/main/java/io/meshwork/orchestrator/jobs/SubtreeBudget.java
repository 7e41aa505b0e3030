package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.TaskControl;
import io.meshwork.orchestrator.tasks.TaskOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The slice of a job's budget a delegator handed this orchestrator for one task, as this
 * orchestrator spends it: held on the ledger from its own account, so that it pays its executors
 * (and reimburses its own peers) itself; and what is left of the hold returns to it when the task
 * is over. The delegator reimburses the price this orchestrator reports, the sum of what it paid,
 * once it has verified the result.
 *
 * <p>Every request id names this orchestrator and the delegation, so a retried call is the same
 * request, and the same task delegated here twice under two delegations is two.
 */
final class SubtreeBudget implements TaskControl {
  private static final Logger LOG = Logger.getLogger(SubtreeBudget.class.getName());

  private final ManaAccounts mana;
  private final ReceiptLog receipts;
  private final LedgerRequests requests;
  private final DelegationJournal journal;
  private final String delegation;
  private final String holdId;
  private final long slice;
  // Parts settled before a restart, by task id: kept, and never paid again.
  private final Map<String, DelegationJournal.SettledPart> settledBefore;
  private long reserved;
  private long spent;
  private volatile boolean stopped;

  private SubtreeBudget(
      ManaAccounts mana,
      ReceiptLog receipts,
      LedgerRequests requests,
      DelegationJournal journal,
      String delegation,
      String holdId,
      long slice,
      Map<String, DelegationJournal.SettledPart> settledBefore) {
    this.mana = mana;
    this.receipts = receipts;
    this.requests = requests;
    this.journal = journal;
    this.delegation = delegation;
    this.holdId = holdId;
    this.slice = slice;
    this.settledBefore = Map.copyOf(settledBefore);
    this.spent =
        settledBefore.values().stream().mapToLong(DelegationJournal.SettledPart::paid).sum();
  }

  /**
   * Holds {@code slice} of this orchestrator's own mana for delegation {@code delegation} of job
   * {@code jobId}; fails with the ledger's reason (INSUFFICIENT_MANA) when it lacks it.
   */
  static SubtreeBudget hold(
      ManaAccounts mana,
      ReceiptLog receipts,
      LedgerRequests requests,
      DelegationJournal journal,
      String delegation,
      String jobId,
      long slice,
      long timeoutMillis) {
    String holdId =
        mana.hold(
            requests.hold("delegation:" + delegation),
            requests.orchestratorDid(),
            slice,
            jobId,
            timeoutMillis);
    return new SubtreeBudget(
        mana, receipts, requests, journal, delegation, holdId, slice, Map.of());
  }

  /**
   * The budget of delegation {@code d} again after a restart: its hold as it was, with what the
   * parts settled before the restart paid counted as spent.
   */
  static SubtreeBudget resumed(
      ManaAccounts mana,
      ReceiptLog receipts,
      LedgerRequests requests,
      DelegationJournal journal,
      DelegationJournal.Accepted d) {
    return new SubtreeBudget(
        mana,
        receipts,
        requests,
        journal,
        d.requestId(),
        d.holdId(),
        d.packet().maxPrice(),
        journal.settledParts(d.requestId()));
  }

  /** The hold's id on the ledger, for the journal. */
  String holdId() {
    return holdId;
  }

  /** The part {@code taskId} as it was settled before a restart, if it was. */
  Optional<DelegationJournal.SettledPart> settledBefore(String taskId) {
    return Optional.ofNullable(settledBefore.get(taskId));
  }

  /** The cut of the task's input into parts: {@code boundaries}, unless one was recorded first. */
  List<Long> fixCut(List<Long> boundaries) {
    return journal.fixCut(delegation, boundaries);
  }

  /** Anchors the receipts behind {@code outcome}, then pays each of its runs from the hold. */
  ResultContent settle(TaskOutcome outcome) {
    List<Receipt> toAnchor = new ArrayList<>();
    toAnchor.add(outcome.receipt());
    outcome.alsoPaid().forEach(p -> toAnchor.add(p.receipt()));
    // Anchored before anyone is paid, as at the root: no pay for a receipt the log lacks.
    receipts.anchor(toAnchor);
    String taskId = delegation + ":" + outcome.task().taskId();
    pay(requests.pay(taskId, outcome.payee(), 0), outcome.payee(), outcome.price(), taskId);
    for (int i = 0; i < outcome.alsoPaid().size(); i++) {
      TaskOutcome.Paid p = outcome.alsoPaid().get(i);
      String payee = p.receipt().executorDid();
      pay(requests.pay(taskId, payee, i + 1), payee, p.price(), taskId);
    }
    // Journaled once paid: a restart keeps the part and pays it no more.
    journal.settled(
        delegation,
        new DelegationJournal.SettledPart(
            outcome.task().taskId(),
            outcome.result(),
            outcome.resultCid(),
            outcome.receipt(),
            PartRunner.paid(outcome)));
    return ResultContent.inline(outcome.result(), outcome.resultCid());
  }

  private void pay(String requestId, String payee, long price, String taskId) {
    mana.pay(requestId, holdId, payee, price, taskId);
    synchronized (this) {
      reserved -= price;
      spent += price;
    }
  }

  /** What this orchestrator paid for the task so far: the price it charges its delegator. */
  synchronized long spent() {
    return spent;
  }

  /**
   * Returns what is left of the hold to this orchestrator's account; a failure is only logged. The
   * same request as an earlier release, so releasing again after a restart is harmless.
   */
  void release() {
    try {
      mana.release(requests.release("delegation:" + delegation), holdId, "delegated task over");
    } catch (RuntimeException e) {
      // The hold expires by itself and returns the rest then.
      LOG.log(Level.WARNING, "releasing the hold of delegation " + delegation + " failed", e);
    }
  }

  /** Stops the task's parts (the delegator's deadline passed, or this orchestrator stops). */
  void stop() {
    stopped = true;
  }

  @Override
  public boolean stopped() {
    return stopped;
  }

  @Override
  public synchronized long budgetLeft() {
    return slice - spent - reserved;
  }

  @Override
  public synchronized boolean reserve(long price) {
    if (price > budgetLeft()) {
      return false;
    }
    reserved += price;
    return true;
  }

  @Override
  public synchronized void unreserve(long price) {
    reserved -= price;
  }

  @Override
  public void assigned(String assignmentId, Runnable cancel) {}

  @Override
  public void unassigned(String assignmentId) {}
}
