package io.meshwork.ledger.core;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the ledger keeps accounts, holds, entries and request outcomes.
 *
 * <p>The store knows no rules: {@link ManaLedger} decides, the store persists. Everything one
 * mutation does runs inside one {@link #write} call, which must be a single atomic and durable
 * transaction: either all of it is committed, or (when the work throws) none of it.
 *
 * <p>Writes must behave as if they ran one at a time. An implementation that lets writers run
 * concurrently (PostgreSQL) must lock what a writer reads ({@code SELECT ... FOR UPDATE}) or run at
 * serializable isolation, and retry the whole work on a serialization failure or on a duplicate
 * request id inserted by a concurrent writer; the work is safe to rerun because it only touches the
 * store through the {@link Writer} it is given.
 */
public interface LedgerStore extends AutoCloseable {

  /** Runs {@code work} against a consistent snapshot of the committed state. */
  <T> T read(Function<Reader, T> work);

  /**
   * Runs {@code work} in one transaction and commits it; if {@code work} throws, rolls back and
   * rethrows. Storage failures surface as a {@link io.meshwork.runtime.errors.MeshException}.
   */
  <T> T write(Function<Writer, T> work);

  /** Releases connections and files. */
  @Override
  void close();

  /** Reads available inside both read and write transactions. */
  interface Reader {
    /** The account of {@code did}, if it was ever opened. */
    Optional<Account> account(String did);

    /** The hold {@code holdId}, if it exists. */
    Optional<Hold> hold(String holdId);

    /** Ids of pending holds whose expiry is at or before {@code nowMillis}, earliest first. */
    List<String> dueHolds(long nowMillis, int limit);

    /** Ids of {@code payerDid}'s pending holds whose expiry is at or before {@code nowMillis}. */
    List<String> dueHoldsOf(String payerDid, long nowMillis);

    /**
     * Entries of {@code did}, newest first, with ids below {@code beforeEntryId}; only those of
     * {@code jobId} unless it is empty.
     */
    List<HistoryEntry> history(String did, String jobId, long beforeEntryId, int limit);

    /** The recorded outcome of {@code requestId}, if that request was applied. */
    Optional<RecordedRequest> request(String requestId);

    /** The totals behind the conservation audit. */
    LedgerAudit audit(String systemAccount, long floor);
  }

  /** Changes available inside a write transaction. */
  interface Writer extends Reader {
    /** Opens an account; fails if it exists. */
    void insertAccount(Account account);

    /** Sets an existing account's balances. */
    void updateAccount(String did, long balance, long held);

    /** Stores a new hold. */
    void insertHold(Hold hold);

    /** Stores a hold's posted amount, state and closing time. */
    void updateHold(Hold hold);

    /** Appends an entry (its {@code entryId} is ignored) and returns the id assigned. */
    long appendEntry(HistoryEntry entry);

    /** Records a request's outcome; fails if the request id is already recorded. */
    void recordRequest(RecordedRequest request);
  }
}
