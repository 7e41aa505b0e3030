package io.meshwork.ledger.core;

/**
 * Hears what the ledger committed, so the service can count it without the domain core knowing any
 * metrics library. Called after the transaction commits, never for a replayed request.
 */
public interface LedgerObserver {
  /** {@code amount} mana moved by an operation of {@code kind}. */
  void manaMoved(EntryKind kind, long amount);

  /** A hold was created (PENDING) or closed (any other state). */
  void holdChanged(HoldState state);

  /** A request was answered from its recorded outcome. */
  void requestReplayed(String operation);

  /** An observer that ignores everything. */
  static LedgerObserver none() {
    return new LedgerObserver() {
      @Override
      public void manaMoved(EntryKind kind, long amount) {}

      @Override
      public void holdChanged(HoldState state) {}

      @Override
      public void requestReplayed(String operation) {}
    };
  }
}
