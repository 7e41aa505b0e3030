package io.meshwork.orchestrator.jobs;

/**
 * The fencing epoch of a journal kept in memory, for the fakes of the journal ports: it is raised,
 * or refuses a lower epoch. A fake has one handle on its journal, so no write of its own is ever
 * fenced out; the SQL stores' tests show that part.
 */
public final class MemoryFence implements JournalFence {
  private long epoch;

  @Override
  public synchronized void fence(long epoch) {
    if (epoch < this.epoch) {
      throw new FencedOutException(this.epoch, epoch);
    }
    this.epoch = epoch;
  }
}
