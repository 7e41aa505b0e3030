package io.meshwork.orchestrator.jobs;

import java.util.List;

/**
 * Port: what the journal keeps of the money a job moves after its tasks are journaled: which of a
 * task's payments the ledger has acknowledged, which jobs' holds are still to be released, and the
 * holds taken in place of a job's hold that expired. With the task records it is the settlement
 * outbox ({@link PaymentOutbox}): a payment is owed from the moment its task is journaled until it
 * is marked paid.
 */
public interface SettlementJournal {
  /**
   * A payment a journaled task owes that the ledger has not acknowledged.
   *
   * @param position its place among the task's payments ({@link TaskRecord#payments()}): 0 for the
   *     accepted result's executor
   */
  record Owed(String jobId, String taskId, int position, TaskRecord.Payment payment) {}

  /**
   * A hold taken for a job in place of {@code replacedHoldId}, which expired while the job still
   * owed; {@code holdId} is null while the ledger has not answered its creation.
   */
  record ReplacementHold(String jobId, String replacedHoldId, long amount, String holdId) {}

  /** The payments of {@code jobId}'s journaled tasks not yet marked paid, in task order. */
  List<Owed> unpaid(String jobId);

  /** Marks a payment acknowledged by the ledger (idempotent). */
  void markPaid(Owed owed);

  /**
   * Jobs whose hold has not been released yet (running, or ended with payments owed), oldest first.
   */
  List<String> unreleased();

  /** Marks a job's hold released, and records what it returned to the submitter. */
  void markReleased(String jobId, long refunded);

  /**
   * Records, once, that {@code jobId} takes a hold of {@code amount} in place of {@code
   * replacedHoldId}; returns the replacement as first recorded, so a retry asks for the same
   * amount.
   */
  ReplacementHold replaceHold(String jobId, String replacedHoldId, long amount);

  /** Records the id of the hold the ledger created in place of {@code replacedHoldId}. */
  void replacementCreated(String replacedHoldId, String holdId);

  /** The replacements of {@code jobId}'s holds, oldest first. */
  List<ReplacementHold> replacementHolds(String jobId);
}
