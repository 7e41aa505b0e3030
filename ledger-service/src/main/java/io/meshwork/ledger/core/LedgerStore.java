package io.meshwork.ledger.core;

import io.meshwork.runtime.errors.MeshException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Where the ledger keeps accounts, holds, entries and request outcomes.
 *
 * <p>The store knows no rules: {@link ManaLedger} decides, the store persists. Everything one
 * mutation does runs inside one {@link #write} call, which must be a single atomic and durable
 * transaction: either all of it is committed, or (when the work throws) none of it.
 *
 * <p>Writes must behave as if they ran one at a time, and a write is acknowledged (its future
 * completes) only once it is durably committed. A store may commit many concurrent writes in one
 * transaction (group commit) as long as each write stays atomic on its own: if one write's work
 * throws, only that write is undone. The JDBC stores do both by running every write on one
 * connection, each in a savepoint of a shared transaction.
 */
public interface LedgerStore extends AutoCloseable {

  /** Runs {@code work} against a consistent snapshot of the committed state. */
  <T> T read(Function<Reader, T> work);

  /**
   * Queues {@code work} to run atomically, and returns a future that completes with its result once
   * it is durably committed, or with what it threw (having been rolled back), or with a storage
   * failure ({@link MeshException}). Writes queued by one thread run in the order queued.
   */
  <T> CompletableFuture<T> writeAsync(Function<Writer, T> work);

  /** {@link #writeAsync} and wait for the outcome, rethrowing what the work threw. */
  default <T> T write(Function<Writer, T> work) {
    return await(writeAsync(work));
  }

  /** Waits for {@code future} and rethrows its failure as it was thrown. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

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

    /** {@code payerDid}'s pending holds, oldest first, at most {@code limit}. */
    List<Hold> pendingHoldsOf(String payerDid, int limit);

    /** Where regeneration of {@code did} stands, if it was ever counted. */
    Optional<Regeneration.State> regeneration(String did);

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

    /** Stores where regeneration of an existing account stands. */
    void putRegeneration(String did, Regeneration.State state);
  }
}
