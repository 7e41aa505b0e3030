package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;

/**
 * A journal write (or a fence) refused because another orchestrator replica fenced the journal at a
 * higher epoch: the replica that tried it was deposed, and nothing it wrote since has landed.
 */
public final class FencedOutException extends MeshException {
  private static final long serialVersionUID = 1L;

  private final long journalEpoch;
  private final long epoch;

  /**
   * The journal holds {@code journalEpoch}; the refused store writes (or meant to fence) at {@code
   * epoch}.
   */
  public FencedOutException(long journalEpoch, long epoch) {
    super(
        Kind.FAILED_PRECONDITION,
        "FENCED_OUT",
        "this orchestrator was deposed: the journal is at epoch "
            + journalEpoch
            + ", it writes at epoch "
            + epoch);
    this.journalEpoch = journalEpoch;
    this.epoch = epoch;
    with("journal_epoch", journalEpoch);
    with("epoch", epoch);
  }

  /** The epoch the journal holds: the current leader's. */
  public long journalEpoch() {
    return journalEpoch;
  }

  /** The epoch the refused store writes at. */
  public long epoch() {
    return epoch;
  }
}
