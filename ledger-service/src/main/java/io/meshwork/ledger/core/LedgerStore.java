package io.meshwork.ledger.core;

import io.meshwork.runtime.errors.MeshException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Where the ledger keeps accounts, holds, entries and request outcomes.
 *
 * <p>The store knows no rules: {@link ManaLedger} decides, the store persists. Everything one
 * mutation does runs inside one {@link Write}, which must be atomic and durable: either all of it
 * is committed, or (when the work throws) none of it.
 *
 * <p>Writes must behave as if they ran one at a time, and a write is acknowledged (its future
 * completes) only once it is durably committed. A store may commit many writes in one transaction
 * (group commit) as long as each write stays atomic on its own: if one write's work throws, only
 * that write is undone. The JDBC stores do both by running every write on one thread against an
 * in-memory working copy, keeping each write's changes apart until it returns, and writing a whole
 * group's changes in one transaction.
 */
public interface LedgerStore extends AutoCloseable {

  /** Runs {@code work} against a consistent snapshot of the committed state. */
  <T> T read(Function<Reader, T> work);

  /**
   * Queues {@code writes} together: they run in the order given, each atomically on its own, and
   * usually share one commit. Each write's {@link Write#outcome()} completes with its work's result
   * once it is durably committed, or with what the work threw (its changes undone), or with a
   * storage failure ({@link MeshException}). Writes queued by one thread run in the order queued.
   */
  void writeAll(List<? extends Write<?>> writes);

  /**
   * Queues {@code work} to run atomically, and returns a future that completes with its result once
   * it is durably committed, or with what it threw (having been rolled back), or with a storage
   * failure ({@link MeshException}).
   */
  default <T> CompletableFuture<T> writeAsync(Function<Writer, T> work) {
    Write<T> write = new Write<>(work, null);
    writeAll(List.of(write));
    return write.outcome();
  }

  /** {@link #writeAsync} and wait for the outcome, rethrowing what the work threw. */
  default <T> T write(Function<Writer, T> work) {
    return await(writeAsync(work));
  }

  /**
   * One unit of work for {@link #writeAll}, and the future that hears its outcome.
   *
   * @param work what to do, atomically
   * @param requestId the request id whose recorded outcome {@code work} looks up first, or null; a
   *     store may fetch those of a whole group at once
   * @param outcome completes once the work is durable, or failed
   */
  record Write<T>(Function<Writer, T> work, String requestId, CompletableFuture<T> outcome) {
    /** A write with a new future. */
    public Write(Function<Writer, T> work, String requestId) {
      this(work, requestId, new CompletableFuture<>());
    }
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

  /** Look-ups by key, which both reads and writes make. */
  interface Lookups {
    /** The account of {@code did}, if it was ever opened. */
    Optional<Account> account(String did);

    /** The hold {@code holdId}, if it exists. */
    Optional<Hold> hold(String holdId);

    /** Ids of pending holds whose expiry is at or before {@code nowMillis}, earliest first. */
    List<String> dueHolds(long nowMillis, int limit);

    /** Ids of {@code payerDid}'s pending holds whose expiry is at or before {@code nowMillis}. */
    List<String> dueHoldsOf(String payerDid, long nowMillis);

    /** Where regeneration of {@code did} stands, if it was ever counted. */
    Optional<Regeneration.State> regeneration(String did);

    /** The recorded outcome of {@code requestId}, if that request was applied. */
    Optional<RecordedRequest> request(String requestId);
  }

  /** Reads of the committed state: look-ups, listings and totals. */
  interface Reader extends Lookups {
    /** {@code payerDid}'s pending holds, oldest first, at most {@code limit}. */
    List<Hold> pendingHoldsOf(String payerDid, int limit);

    /**
     * Whether {@code creatorDid} created a hold on {@code payerDid}'s account: for {@code jobId}
     * unless it is empty, and still pending if {@code pending}.
     */
    boolean holdExists(String payerDid, String creatorDid, String jobId, boolean pending);

    /**
     * Entries of {@code did}, newest first, with ids below {@code beforeEntryId}; only those of
     * {@code jobId} unless it is empty.
     */
    List<HistoryEntry> history(String did, String jobId, long beforeEntryId, int limit);

    /**
     * The totals behind the conservation audit, holding each account to {@code floors}' value for
     * it, or else to {@code floor}.
     */
    LedgerAudit audit(String systemAccount, long floor, Map<String, Long> floors);

    /** The totals behind the conservation audit, with one floor for every account. */
    default LedgerAudit audit(String systemAccount, long floor) {
      return audit(systemAccount, floor, Map.of());
    }
  }

  /**
   * What a write can do: look rows up (seeing its own changes and those of the writes before it)
   * and change them.
   */
  interface Writer extends Lookups {
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
