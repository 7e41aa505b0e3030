package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.FencedOutException;
import io.meshwork.orchestrator.jobs.JournalFence;
import io.meshwork.runtime.errors.MeshException;
import org.junit.jupiter.api.Test;

/**
 * What fencing means for every journal, run against each store on each database: two handles on one
 * journal stand for two orchestrator replicas, the one fenced at the higher epoch leads, and the
 * other's writes are refused and leave nothing behind.
 *
 * @param <S> the store
 */
abstract class JournalFenceContract<S extends JournalFence & AutoCloseable> {
  /** Opens a handle on the journal under test; every call opens the same journal again. */
  abstract S open();

  /** A write through {@code store} that leaves {@code mark} in the journal. */
  abstract void write(S store, String mark);

  /** Whether the journal, read through {@code store}, holds {@code mark}. */
  abstract boolean holds(S store, String mark);

  @Test
  void theReplicaFencedAtTheHigherEpochDeposesTheOther() throws Exception {
    try (S first = open();
        S second = open()) {
      first.fence(1);
      write(first, "before");
      second.fence(2);
      write(second, "leader");

      FencedOutException e = assertThrows(FencedOutException.class, () -> write(first, "late"));
      assertEquals(
          "this orchestrator was deposed: the journal is at epoch 2, it writes at epoch 1",
          e.getMessage());
      assertEquals("FENCED_OUT", e.reason());
      assertEquals(MeshException.Kind.FAILED_PRECONDITION, e.kind());
      assertEquals(2, e.journalEpoch());
      assertEquals(1, e.epoch());

      // The refused write left nothing; what the deposed wrote while it led stays.
      assertFalse(holds(second, "late"));
      assertTrue(holds(second, "before"));
      assertTrue(holds(second, "leader"));
      // It stays deposed: every later write is refused as well.
      assertThrows(FencedOutException.class, () -> write(first, "later"));
      assertFalse(holds(first, "later"));
    }
  }

  @Test
  void fencingBelowTheJournalsEpochIsRefusedAndAtItIsAllowed() throws Exception {
    try (S first = open();
        S second = open()) {
      second.fence(5);
      FencedOutException e = assertThrows(FencedOutException.class, () -> first.fence(4));
      assertEquals(5, e.journalEpoch());
      assertEquals(4, e.epoch());
      // The failed fence did not make the store write at 4 either.
      assertThrows(FencedOutException.class, () -> write(first, "refused"));

      // The same epoch again is no deposition (a leader may fence twice), and a higher one leads.
      first.fence(5);
      write(first, "at five");
      first.fence(6);
      write(first, "at six");
      assertThrows(FencedOutException.class, () -> write(second, "stale"));
      assertTrue(holds(second, "at six"));
      assertFalse(holds(second, "stale"));
    }
  }

  @Test
  void aStoreNeverFencedWritesAtZeroUntilAnyIsFencedHigher() throws Exception {
    try (S unfenced = open()) {
      // A journal nobody fences, as without leader election, is at 0 and takes every write.
      write(unfenced, "free");
      assertTrue(holds(unfenced, "free"));
      try (S leader = open()) {
        leader.fence(1);
      }
      FencedOutException e =
          assertThrows(FencedOutException.class, () -> write(unfenced, "refused"));
      assertEquals(1, e.journalEpoch());
      assertEquals(0, e.epoch());
    }
    // The epoch is the journal's, not the handle's: a new handle must fence too.
    try (S reopened = open()) {
      assertThrows(FencedOutException.class, () -> write(reopened, "still refused"));
      reopened.fence(1);
      write(reopened, "fenced again");
      assertTrue(holds(reopened, "fenced again"));
      assertFalse(holds(reopened, "refused"));
      assertFalse(holds(reopened, "still refused"));
    }
  }
}
