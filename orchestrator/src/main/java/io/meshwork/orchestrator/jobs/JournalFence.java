package io.meshwork.orchestrator.jobs;

/**
 * Fences a journal shared by orchestrator replicas: the replica that leads writes under its lease
 * epoch, and a write under an older epoch (a deposed leader's) is refused.
 */
public interface JournalFence {
  /**
   * From now on this store writes under {@code epoch}, and the journal refuses writes under any
   * lower one.
   *
   * @throws FencedOutException when the journal already holds a higher epoch
   */
  void fence(long epoch);
}
