package io.meshwork.orchestrator.jobs;

import java.util.ServiceLoader;

/**
 * The moments between the steps of settling a task, where a crash must lose nothing: told when a
 * task reaches each. The product has no implementation; a test can put one on the class path (found
 * through {@link ServiceLoader}) to stop the process at a gap and check that the restart settles
 * the task once.
 */
public interface SettlementGaps {
  /** A gap between two steps of settling a task. */
  enum Gap {
    /** Its receipts are anchored; the task is not journaled yet. */
    AFTER_ANCHOR,
    /** The task is journaled; none of its payments has been sent. */
    AFTER_JOURNAL,
    /** The ledger acknowledged a payment; the journal does not mark it paid yet. */
    AFTER_PAY
  }

  /** Called as task {@code taskId} reaches {@code gap}. */
  void reached(Gap gap, String taskId);

  /** Every implementation on the class path, told in turn; none in the product. */
  static SettlementGaps discovered() {
    var found = ServiceLoader.load(SettlementGaps.class).stream().map(p -> p.get()).toList();
    return (gap, taskId) -> found.forEach(g -> g.reached(gap, taskId));
  }
}
