package io.meshwork.ledger.core;

import static io.meshwork.ledger.core.LedgerErrors.invalidField;

import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The mana ledger: accounts keyed by DID, two-phase holds that pay a job's executors, and the
 * history of every change, kept in double entry so that no mana is created or lost except by a
 * mint.
 *
 * <p>A job's budget is one hold. Each verified task is paid by a partial post from that hold to the
 * task's executor; the job's end returns the rest to the payer, by a final post, a void, or the
 * hold's expiry. A hold is closed exactly once, and a second attempt to resolve it is refused with
 * the reason it is already closed.
 *
 * <p>Every mutation carries a request id. The first successful outcome is stored with the request's
 * content digest in the same transaction as its effects; the same id with the same content returns
 * that outcome without doing anything again, and the same id with different content is refused with
 * {@code REQUEST_ID_REUSED}. A refused request leaves no trace, so its retry is simply evaluated
 * again.
 *
 * <p>Thread-safe: every operation is one store transaction, and the store serializes writers.
 */
public final class ManaLedger {
  /** The system account that mints draw from: its balance is minus everything ever minted. */
  public static final String MINT_ACCOUNT = "mesh:mint";

  /** The least a user account may have available (balance less held), unless configured. */
  public static final long DEFAULT_FLOOR = 0;

  /** The most pending holds {@link #pendingHolds} returns. */
  public static final int MAX_PENDING_HOLDS = 100;

  /**
   * The largest amount one operation (hold, post, transfer, mint) may move, unless configured: a
   * thousand times the orchestrator's largest budget, so that no job is refused for its size.
   */
  public static final long DEFAULT_MAX_AMOUNT = 1_000_000_000_000_000L;

  /** The longest timeout a hold may ask for. */
  public static final Duration MAX_HOLD_TIMEOUT = Duration.ofDays(30);

  /** Entries per history page when the caller does not say. */
  public static final int DEFAULT_PAGE_SIZE = 100;

  /** The most entries per history page. */
  public static final int MAX_PAGE_SIZE = 1000;

  private static final Logger LOG = Logger.getLogger(ManaLedger.class.getName());

  // Expiry runs in batches so one sweep over a large backlog does not hold the writer for long.
  private static final int SWEEP_BATCH = 256;

  /**
   * How the ledger behaves.
   *
   * @param devGrant mana a new account starts with, as a MINT entry; 0 outside development mode
   * @param defaultHoldTimeout how long a hold lives when the request does not say
   * @param floor the least a user account may have available, unless {@code floors} names it;
   *     negative allows credit
   * @param regeneration how accounts regain mana over time
   * @param floors floors of particular accounts, by DID, in place of {@code floor}
   * @param maxAmount the largest amount one hold, post, transfer or mint may move; larger ones are
   *     refused with {@code AMOUNT_ABOVE_MAX}
   */
  public record Options(
      long devGrant,
      Duration defaultHoldTimeout,
      long floor,
      Regeneration regeneration,
      Map<String, Long> floors,
      long maxAmount) {
    /** No floor other than 0, no regeneration. */
    public Options(long devGrant, Duration defaultHoldTimeout) {
      this(devGrant, defaultHoldTimeout, DEFAULT_FLOOR, Regeneration.off());
    }

    /** One floor for every account. */
    public Options(
        long devGrant, Duration defaultHoldTimeout, long floor, Regeneration regeneration) {
      this(devGrant, defaultHoldTimeout, floor, regeneration, Map.of());
    }

    /** Floors of particular accounts, and the default cap on one operation's amount. */
    public Options(
        long devGrant,
        Duration defaultHoldTimeout,
        long floor,
        Regeneration regeneration,
        Map<String, Long> floors) {
      this(devGrant, defaultHoldTimeout, floor, regeneration, floors, DEFAULT_MAX_AMOUNT);
    }

    /** Checks the values. */
    public Options {
      if (devGrant < 0) {
        throw new IllegalArgumentException("the development grant must be >= 0, got " + devGrant);
      }
      if (defaultHoldTimeout.isNegative()
          || defaultHoldTimeout.isZero()
          || defaultHoldTimeout.compareTo(MAX_HOLD_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "the default hold timeout must be in (0, " + MAX_HOLD_TIMEOUT + "]");
      }
      floors = Map.copyOf(floors);
      if (floors.containsKey(MINT_ACCOUNT)) {
        throw new IllegalArgumentException("the system account " + MINT_ACCOUNT + " has no floor");
      }
      if (maxAmount < 1) {
        throw new IllegalArgumentException("the largest amount must be >= 1, got " + maxAmount);
      }
      // The grant is a mint like any other, so it obeys the same cap.
      if (devGrant > maxAmount) {
        throw new IllegalArgumentException(
            "the development grant " + devGrant + " is above the largest amount " + maxAmount);
      }
    }

    /** The least the account of {@code did} may have available. */
    public long floorOf(String did) {
      Long own = floors.get(did);
      return own == null ? floor : own;
    }

    /** No development grant, holds live one hour. */
    public static Options defaults() {
      return new Options(0, Duration.ofHours(1));
    }

    /** These options with a development grant of {@code amount}. */
    public Options withDevGrant(long amount) {
      return new Options(amount, defaultHoldTimeout, floor, regeneration, floors, maxAmount);
    }

    /**
     * These options with the floor {@code least} for every account not named in {@link #floors}.
     */
    public Options withFloor(long least) {
      return new Options(devGrant, defaultHoldTimeout, least, regeneration, floors, maxAmount);
    }

    /** These options with the floor {@code least} for the account of {@code did} alone. */
    public Options withFloorOf(String did, long least) {
      Map<String, Long> own = new java.util.HashMap<>(floors);
      own.put(did, least);
      return new Options(devGrant, defaultHoldTimeout, floor, regeneration, own, maxAmount);
    }

    /** These options with {@code most} as the largest amount of one operation. */
    public Options withMaxAmount(long most) {
      return new Options(devGrant, defaultHoldTimeout, floor, regeneration, floors, most);
    }

    /** These options with regeneration {@code rule}. */
    public Options withRegeneration(Regeneration rule) {
      return new Options(devGrant, defaultHoldTimeout, floor, rule, floors, maxAmount);
    }
  }

  private final LedgerStore store;
  private final Clock clock;
  private final Options options;
  private final LedgerObserver observer;

  /** Creates a ledger over {@code store}, reading time from {@code clock}. */
  public ManaLedger(LedgerStore store, Clock clock, Options options, LedgerObserver observer) {
    this.store = store;
    this.clock = clock;
    this.options = options;
    this.observer = observer;
  }

  /**
   * Returns the account of {@code did}. An unknown DID is refused with NOT_FOUND, or in development
   * mode opened with the grant. Holds of the account that are past their expiry are expired first,
   * so the held amount is current.
   */
  public Account account(String did) {
    requireText("did", did);
    record Peek(Optional<Account> account, boolean stale) {}
    long now = clock.millis();
    Peek peek =
        store.read(
            r -> {
              Optional<Account> account = r.account(did);
              boolean stale =
                  account.isPresent()
                      && (!r.dueHoldsOf(did, now).isEmpty()
                          || regenerationDue(account.get(), r, now) > 0);
              return new Peek(account, stale);
            });
    if (peek.account().isPresent() && !peek.stale()) {
      return peek.account().get();
    }
    return commit(tx -> Step.done(tx.spender(did)));
  }

  /**
   * The pending holds of {@code did}, oldest first, at most {@value #MAX_PENDING_HOLDS}: what its
   * {@code held} consists of.
   */
  public List<Hold> pendingHolds(String did) {
    requireText("did", did);
    return store.read(r -> r.pendingHoldsOf(did, MAX_PENDING_HOLDS));
  }

  /** How this ledger behaves: its floor, regeneration and grants. */
  public Options options() {
    return options;
  }

  /** Creates {@code amount} mana in the account of {@code did}, opening it if needed. */
  public Account mint(String requestId, String did, long amount, String memo) {
    requireText("request_id", requestId);
    requireUserDid("did", did);
    requireAmount(amount);
    String note = orEmpty(memo);
    return LedgerStore.await(alone(batch -> batch.mint(requestId, did, amount, note)));
  }

  /** {@link #mint} by {@code callerDid}, an operator, whose request ids are its own. */
  public Account mintBy(String callerDid, String requestId, String did, long amount, String memo) {
    requireText("request_id", requestId);
    requireUserDid("did", did);
    requireAmount(amount);
    Batch batch = batchBy(callerDid);
    CompletableFuture<Account> minted = batch.mint(requestId, did, amount, orEmpty(memo));
    batch.submit();
    return LedgerStore.await(minted);
  }

  /**
   * Reserves {@code amount} from {@code payerDid} for {@code jobId}.
   *
   * @param timeout how long the hold may stay pending; zero (or null) means the default
   * @throws MeshException FAILED_PRECONDITION {@code INSUFFICIENT_MANA} when the payer has less
   *     available, NOT_FOUND {@code ACCOUNT_NOT_FOUND} for an unknown payer outside development
   *     mode
   */
  public Hold createHold(
      String requestId, String payerDid, long amount, String jobId, Duration timeout, String memo) {
    return LedgerStore.await(createHoldAsync(requestId, payerDid, amount, jobId, timeout, memo));
  }

  /**
   * {@link #createHold}, returning once the hold is queued for commit: the future completes when it
   * is durable. Fields are checked at once (an invalid one throws here).
   */
  public CompletableFuture<Hold> createHoldAsync(
      String requestId, String payerDid, long amount, String jobId, Duration timeout, String memo) {
    return alone(batch -> batch.createHold(requestId, payerDid, amount, jobId, timeout, memo));
  }

  /**
   * Pays {@code amount} from a pending hold to {@code payeeDid}. With {@code finalPost}, or when
   * the post uses up the hold, the hold closes as POSTED and whatever is left returns to the payer.
   *
   * @throws MeshException FAILED_PRECONDITION {@code HOLD_ALREADY_POSTED}, {@code
   *     HOLD_ALREADY_VOIDED} or {@code HOLD_EXPIRED} for a closed hold; {@code AMOUNT_EXCEEDS_HOLD}
   *     when less than {@code amount} remains
   */
  public Hold postHold(
      String requestId,
      String holdId,
      String payeeDid,
      long amount,
      boolean finalPost,
      String taskId,
      String memo) {
    return LedgerStore.await(
        postHoldAsync(requestId, holdId, payeeDid, amount, finalPost, taskId, memo));
  }

  /** {@link #postHold}, returning a future that completes when the post is durable. */
  public CompletableFuture<Hold> postHoldAsync(
      String requestId,
      String holdId,
      String payeeDid,
      long amount,
      boolean finalPost,
      String taskId,
      String memo) {
    return alone(
        batch -> batch.postHold(requestId, holdId, payeeDid, amount, finalPost, taskId, memo));
  }

  /**
   * Returns what is left of a pending hold to its payer and closes it as VOIDED.
   *
   * @throws MeshException FAILED_PRECONDITION with the reason the hold is already closed
   */
  public VoidedHold voidHold(String requestId, String holdId, String memo) {
    return LedgerStore.await(voidHoldAsync(requestId, holdId, memo));
  }

  /** {@link #voidHold}, returning a future that completes when the void is durable. */
  public CompletableFuture<VoidedHold> voidHoldAsync(String requestId, String holdId, String memo) {
    return alone(batch -> batch.voidHold(requestId, holdId, memo));
  }

  /**
   * Pushes a pending hold's expiry to at least {@code timeout} from now; an expiry already later is
   * kept, so an extension never shortens a hold.
   *
   * @throws MeshException FAILED_PRECONDITION with the reason the hold is already closed ({@code
   *     HOLD_EXPIRED} when its expiry came before the extension)
   */
  public Hold extendHold(String requestId, String holdId, Duration timeout) {
    return LedgerStore.await(alone(batch -> batch.extendHold(requestId, holdId, timeout)));
  }

  /**
   * Moves {@code amount} from {@code fromDid} to {@code toDid} at once, as one pair of TRANSFER
   * entries.
   *
   * @param jobId the job it concerns, for history filtering; may be empty
   * @throws MeshException FAILED_PRECONDITION {@code INSUFFICIENT_MANA} when the payer would go
   *     below its floor
   */
  public Transferred transfer(
      String requestId, String fromDid, String toDid, long amount, String jobId, String memo) {
    return LedgerStore.await(transferAsync(requestId, fromDid, toDid, amount, jobId, memo));
  }

  /** {@link #transfer}, returning a future that completes when the transfer is durable. */
  public CompletableFuture<Transferred> transferAsync(
      String requestId, String fromDid, String toDid, long amount, String jobId, String memo) {
    return alone(batch -> batch.transfer(requestId, fromDid, toDid, amount, jobId, memo));
  }

  /**
   * Operations to queue together: each is checked as it is added (a bad field throws from the
   * adding method and adds nothing), and {@link #submit} hands them all to the store at once, so
   * they are applied in the order added and usually share one commit. Each operation stays atomic
   * on its own and follows the request_id rule; each future completes once its operation is
   * durable, or with its refusal. Not thread-safe.
   */
  public final class Batch {
    private final List<LedgerStore.Write<?>> writes = new ArrayList<>();
    // The orchestrator on whose behalf the operations are made, or null for the ledger's own
    // in-process callers, who are trusted with every hold.
    private final String actor;

    private String requestKey(String requestId) {
      return recordedRequestKey(actor, requestId);
    }

    private Batch(String actor) {
      this.actor = actor;
    }

    /** Refuses a hold this batch's orchestrator did not create. */
    private Hold requireSettler(Hold hold) {
      if (actor != null && !hold.mayBeSettledBy(actor)) {
        throw LedgerErrors.notHoldCreator(hold, actor);
      }
      return hold;
    }

    /** Adds {@link ManaLedger#createHold}; throws at once for a bad field. */
    public CompletableFuture<Hold> createHold(
        String requestId,
        String payerDid,
        long amount,
        String jobId,
        Duration timeout,
        String memo) {
      requireText("request_id", requestId);
      requireUserDid("payer_did", payerDid);
      requireAmount(amount);
      requireText("job_id", jobId);
      Duration asked = timeout == null ? Duration.ZERO : timeout;
      if (asked.isNegative() || asked.compareTo(MAX_HOLD_TIMEOUT) > 0) {
        throw invalidField("timeout_ms", "must be between 0 and " + MAX_HOLD_TIMEOUT.toMillis())
            .with("max", MAX_HOLD_TIMEOUT.toMillis());
      }
      long lifetime = (asked.isZero() ? options.defaultHoldTimeout() : asked).toMillis();
      String note = orEmpty(memo);
      // Drawn here, on the caller's thread, rather than by the committer inside the write.
      String holdId = newHoldId();
      return mutate(
          "CreateHold",
          requestId,
          List.of(payerDid, amount, jobId, asked.toMillis(), note),
          Outcomes::encode,
          Outcomes::decodeHold,
          tx -> {
            Account payer = tx.spender(payerDid);
            if (!payer.canSpend(amount, options.floorOf(payerDid))) {
              throw LedgerErrors.insufficientMana(payerDid, payer.available(), amount);
            }
            Hold hold =
                new Hold(
                    holdId,
                    payerDid,
                    amount,
                    0,
                    HoldState.PENDING,
                    jobId,
                    note,
                    tx.now,
                    tx.now + lifetime,
                    0,
                    actor == null ? "" : actor);
            tx.writer.insertHold(hold);
            tx.entry(payerDid, EntryKind.HOLD, 0, amount, "", hold, "", note, requestId);
            tx.moved(EntryKind.HOLD, amount);
            tx.holdChanged(HoldState.PENDING);
            return Step.done(hold);
          });
    }

    /** Adds {@link ManaLedger#postHold}; throws at once for a bad field. */
    public CompletableFuture<Hold> postHold(
        String requestId,
        String holdId,
        String payeeDid,
        long amount,
        boolean finalPost,
        String taskId,
        String memo) {
      requireText("request_id", requestId);
      requireText("hold_id", holdId);
      requireUserDid("payee_did", payeeDid);
      requireAmount(amount);
      String task = orEmpty(taskId);
      String note = orEmpty(memo);
      return mutate(
          "PostHold",
          requestId,
          List.of(holdId, payeeDid, amount, finalPost, task, note),
          Outcomes::encode,
          Outcomes::decodeHold,
          tx -> {
            Hold hold = requireSettler(tx.hold(holdId));
            if (hold.state() != HoldState.PENDING) {
              // Returned rather than thrown, so that an expiry found just now is still committed.
              return Step.refused(LedgerErrors.holdClosed(hold));
            }
            if (amount > hold.remaining()) {
              throw LedgerErrors.amountExceedsHold(hold, amount);
            }
            String payer = hold.payerDid();
            tx.receiver(payeeDid);
            tx.entry(
                payer, EntryKind.POST, -amount, -amount, payeeDid, hold, task, note, requestId);
            tx.entry(payeeDid, EntryKind.POST, amount, 0, payer, hold, task, note, requestId);
            tx.moved(EntryKind.POST, amount);
            Hold after = hold.withPosted(hold.posted() + amount);
            long rest = after.remaining();
            if (finalPost || rest == 0) {
              if (rest > 0) {
                tx.entry(payer, EntryKind.RELEASE, 0, -rest, "", hold, task, note, requestId);
                tx.moved(EntryKind.RELEASE, rest);
              }
              after = after.closed(HoldState.POSTED, tx.now);
              tx.holdChanged(HoldState.POSTED);
            }
            tx.writer.updateHold(after);
            return Step.done(after);
          });
    }

    /** Adds {@link ManaLedger#voidHold}; throws at once for a bad field. */
    public CompletableFuture<VoidedHold> voidHold(String requestId, String holdId, String memo) {
      requireText("request_id", requestId);
      requireText("hold_id", holdId);
      String note = orEmpty(memo);
      return mutate(
          "VoidHold",
          requestId,
          List.of(holdId, note),
          Outcomes::encode,
          Outcomes::decodeVoided,
          tx -> {
            Hold hold = requireSettler(tx.hold(holdId));
            if (hold.state() != HoldState.PENDING) {
              return Step.refused(LedgerErrors.holdClosed(hold));
            }
            long rest = hold.remaining();
            if (rest > 0) {
              tx.entry(hold.payerDid(), EntryKind.RELEASE, 0, -rest, "", hold, "", note, requestId);
              tx.moved(EntryKind.RELEASE, rest);
            }
            Hold after = hold.closed(HoldState.VOIDED, tx.now);
            tx.writer.updateHold(after);
            tx.holdChanged(HoldState.VOIDED);
            return Step.done(new VoidedHold(after, rest));
          });
    }

    /** Adds {@link ManaLedger#extendHold}; throws at once for a bad field. */
    public CompletableFuture<Hold> extendHold(String requestId, String holdId, Duration timeout) {
      requireText("request_id", requestId);
      requireText("hold_id", holdId);
      if (timeout == null
          || timeout.isNegative()
          || timeout.isZero()
          || timeout.compareTo(MAX_HOLD_TIMEOUT) > 0) {
        throw invalidField("timeout_ms", "must be between 1 and " + MAX_HOLD_TIMEOUT.toMillis())
            .with("max", MAX_HOLD_TIMEOUT.toMillis());
      }
      long lifetime = timeout.toMillis();
      return mutate(
          "ExtendHold",
          requestId,
          List.of(holdId, lifetime),
          Outcomes::encode,
          Outcomes::decodeHold,
          tx -> {
            // Read through tx.hold, which expires a hold past its time first: an extension comes
            // too late once the expiry is due, even if the sweeper has not run yet.
            Hold hold = requireSettler(tx.hold(holdId));
            if (hold.state() != HoldState.PENDING) {
              return Step.refused(LedgerErrors.holdClosed(hold));
            }
            long until = Math.max(hold.expiresAt(), tx.now + lifetime);
            if (until == hold.expiresAt()) {
              return Step.done(hold);
            }
            Hold after = hold.expiringAt(until);
            tx.writer.updateHold(after);
            return Step.done(after);
          });
    }

    /** Adds {@link ManaLedger#transfer}; throws at once for a bad field. */
    public CompletableFuture<Transferred> transfer(
        String requestId, String fromDid, String toDid, long amount, String jobId, String memo) {
      requireText("request_id", requestId);
      requireUserDid("from_did", fromDid);
      requireUserDid("to_did", toDid);
      if (fromDid.equals(toDid)) {
        throw invalidField("to_did", "must differ from from_did");
      }
      requireAmount(amount);
      String job = orEmpty(jobId);
      String note = orEmpty(memo);
      return mutate(
          "Transfer",
          requestId,
          List.of(fromDid, toDid, amount, job, note),
          Outcomes::encode,
          Outcomes::decodeTransferred,
          tx -> {
            Account from = tx.spender(fromDid);
            if (!from.canSpend(amount, options.floorOf(fromDid))) {
              throw LedgerErrors.insufficientMana(fromDid, from.available(), amount);
            }
            tx.receiver(toDid);
            tx.entry(fromDid, EntryKind.TRANSFER, -amount, 0, toDid, job, "", "", note, requestId);
            tx.entry(toDid, EntryKind.TRANSFER, amount, 0, fromDid, job, "", "", note, requestId);
            tx.moved(EntryKind.TRANSFER, amount);
            return Step.done(new Transferred(tx.existing(fromDid), tx.existing(toDid)));
          });
    }

    CompletableFuture<Account> mint(String requestId, String did, long amount, String note) {
      return mutate(
          "Mint",
          requestId,
          List.of(did, amount, note),
          Outcomes::encode,
          Outcomes::decodeAccount,
          tx -> {
            tx.receiver(did);
            tx.mintInto(did, amount, note, requestId);
            return Step.done(tx.existing(did));
          });
    }

    /** Queues every operation added since the last submit, in order. */
    public void submit() {
      if (!writes.isEmpty()) {
        store.writeAll(List.copyOf(writes));
        writes.clear();
      }
    }

    private <T> CompletableFuture<T> mutate(
        String operation,
        String requestId,
        List<Object> content,
        Function<T, String> encode,
        Function<String, T> decode,
        Function<Tx, Step<T>> work) {
      LedgerStore.Write<Committed<T>> write =
          ManaLedger.this.mutate(
              operation, requestKey(requestId), requestId, content, encode, decode, work);
      writes.add(write);
      // A replayed request is this caller's own (ids are kept per caller), so its first outcome is
      // its to see.
      return write.outcome().thenApply(ManaLedger.this::finish);
    }
  }

  /**
   * The key under which the ledger records {@code callerDid}'s request {@code requestId}: each
   * caller's ids are its own, so that nobody can take an id another caller will use (an
   * orchestrator's {@code pay:...} ids are easy to guess) and make that caller's request fail as a
   * reuse. A DID has no space; the ledger's own in-process callers ({@code callerDid} null) are
   * scoped "-", which is no DID.
   */
  public static String recordedRequestKey(String callerDid, String requestId) {
    return (callerDid == null ? "-" : callerDid) + " " + requestId;
  }

  /**
   * Starts a {@link Batch}: operations checked one by one and queued together, as a gRPC {@code
   * Submit} carries them.
   */
  public Batch batch() {
    return new Batch(null);
  }

  /**
   * Starts a {@link Batch} made by the caller {@code callerDid}: its request ids are its own (the
   * same id from another caller is another request), the holds it creates record it as their
   * creator, and it may post and void only holds it created (otherwise PERMISSION_DENIED {@code
   * NOT_HOLD_CREATOR}).
   */
  public Batch batchBy(String callerDid) {
    requireText("caller", callerDid);
    return new Batch(callerDid);
  }

  private <T> CompletableFuture<T> alone(Function<Batch, CompletableFuture<T>> add) {
    Batch batch = new Batch(null);
    CompletableFuture<T> outcome = add.apply(batch);
    batch.submit();
    return outcome;
  }

  /**
   * Whether the orchestrator {@code creatorDid} created a hold on {@code payerDid}'s account: for
   * the job {@code jobId} unless it is empty, and still pending if {@code pending}. It is how the
   * ledger tells that an orchestrator runs a job paid from that account.
   */
  public boolean holdExists(String payerDid, String creatorDid, String jobId, boolean pending) {
    return store.read(r -> r.holdExists(payerDid, creatorDid, orEmpty(jobId), pending));
  }

  /** Returns a hold, expiring it first if it is pending past its expiry. */
  public Hold hold(String holdId) {
    requireText("hold_id", holdId);
    long now = clock.millis();
    Hold hold =
        store.read(r -> r.hold(holdId)).orElseThrow(() -> LedgerErrors.holdNotFound(holdId));
    if (!hold.isDue(now)) {
      return hold;
    }
    return commit(tx -> Step.done(tx.hold(holdId)));
  }

  /**
   * Returns a page of the history of {@code did}, newest entry first.
   *
   * @param jobId only entries of this job, unless empty or null
   * @param pageSize entries per page, 1 to {@value #MAX_PAGE_SIZE}; 0 means {@value
   *     #DEFAULT_PAGE_SIZE}
   * @param pageToken "" for the first page, else the previous page's {@code nextPageToken}
   */
  public HistoryPage history(String did, String jobId, int pageSize, String pageToken) {
    return history(did, jobId, null, pageSize, pageToken);
  }

  /**
   * Returns a page of the history of {@code did} as {@link #history(String, String, int, String)}
   * does, keeping only the entries of holds that {@code holdsBy} created when it is not null: what
   * an orchestrator may see of an account, since a job id alone may be another orchestrator's too.
   * A page may then hold fewer entries than asked, even none, and still have a next page.
   */
  public HistoryPage history(
      String did, String jobId, String holdsBy, int pageSize, String pageToken) {
    requireText("did", did);
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      throw invalidField("page_size", "must be between 0 and " + MAX_PAGE_SIZE)
          .with("max", MAX_PAGE_SIZE);
    }
    int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize;
    long before = parsePageToken(orEmpty(pageToken));
    String job = orEmpty(jobId);
    // Opens the account in development mode, and refuses an unknown DID otherwise.
    account(did);
    List<HistoryEntry> rows = store.read(r -> r.history(did, job, before, size + 1));
    String next = rows.size() <= size ? "" : Long.toString(rows.get(size - 1).entryId());
    List<HistoryEntry> page = rows.subList(0, Math.min(size, rows.size()));
    if (holdsBy == null) {
      return new HistoryPage(page, next);
    }
    return new HistoryPage(store.read(r -> entriesOfHoldsBy(r, page, holdsBy)), next);
  }

  private static List<HistoryEntry> entriesOfHoldsBy(
      LedgerStore.Reader r, List<HistoryEntry> entries, String creatorDid) {
    Map<String, Boolean> created = new HashMap<>();
    List<HistoryEntry> kept = new ArrayList<>();
    for (HistoryEntry e : entries) {
      if (!e.holdId().isEmpty()
          && created.computeIfAbsent(
              e.holdId(),
              id -> r.hold(id).map(h -> creatorDid.equals(h.creatorDid())).orElse(false))) {
        kept.add(e);
      }
    }
    return kept;
  }

  /**
   * Expires every pending hold whose expiry has passed, returning what each had left to its payer.
   * The service runs this periodically; holds are also expired whenever they are touched.
   *
   * @return how many holds expired
   */
  public int expireDue() {
    int total = 0;
    while (true) {
      int expired =
          commit(
              tx -> {
                List<String> ids = tx.writer.dueHolds(tx.now, SWEEP_BATCH);
                for (String id : ids) {
                  tx.hold(id);
                }
                return Step.done(ids.size());
              });
      total += expired;
      if (expired < SWEEP_BATCH) {
        return total;
      }
    }
  }

  /** Takes the ledger's totals at one point in time; {@link LedgerAudit#check()} verifies them. */
  public LedgerAudit audit() {
    return store.read(r -> r.audit(MINT_ACCOUNT, options.floor(), options.floors()));
  }

  // ---------------------------------------------------------------------------------------------

  /** What a transaction's work produced: a value, or a refusal to report after committing. */
  private record Step<T>(T value, MeshException refusal) {
    static <T> Step<T> done(T value) {
      return new Step<>(value, null);
    }

    static <T> Step<T> refused(MeshException refusal) {
      return new Step<>(null, refusal);
    }
  }

  /** What a committed transaction leaves to do: report, notify, and whether it was a replay. */
  private record Committed<T>(
      T value, MeshException refusal, List<Consumer<LedgerObserver>> events, String replayOf) {}

  /** The write that applies one request under the request_id rule. */
  private <T> LedgerStore.Write<Committed<T>> mutate(
      String operation,
      String requestKey,
      String requestId,
      List<Object> content,
      Function<T, String> encode,
      Function<String, T> decode,
      Function<Tx, Step<T>> work) {
    String fingerprint = fingerprint(operation, content);
    return new LedgerStore.Write<>(
        (LedgerStore.Writer writer) -> {
          Optional<RecordedRequest> prior = writer.request(requestKey);
          if (prior.isPresent()) {
            RecordedRequest first = prior.get();
            if (!first.operation().equals(operation) || !first.fingerprint().equals(fingerprint)) {
              throw LedgerErrors.requestIdReused(requestId, first.operation());
            }
            return new Committed<>(decode.apply(first.outcome()), null, List.of(), operation);
          }
          Tx tx = new Tx(writer, clock.millis());
          Step<T> step = work.apply(tx);
          if (step.refusal() == null) {
            writer.recordRequest(
                new RecordedRequest(
                    requestKey, operation, fingerprint, encode.apply(step.value()), tx.now));
          }
          return new Committed<>(step.value(), step.refusal(), tx.events, null);
        },
        requestKey);
  }

  /** Runs the ledger's own work (account opening, expiry), which no request id covers. */
  private <T> T commit(Function<Tx, Step<T>> work) {
    Committed<T> result =
        store.write(
            writer -> {
              Tx tx = new Tx(writer, clock.millis());
              Step<T> step = work.apply(tx);
              return new Committed<>(step.value(), step.refusal(), tx.events, null);
            });
    return finish(result);
  }

  private <T> T finish(Committed<T> result) {
    try {
      if (result.replayOf() != null) {
        observer.requestReplayed(result.replayOf());
      }
      result.events().forEach(event -> event.accept(observer));
    } catch (RuntimeException e) {
      // The transaction is committed; a failing observer must not turn it into an error.
      LOG.log(Level.WARNING, "ledger observer failed", e);
    }
    if (result.refusal() != null) {
      throw result.refusal();
    }
    return result.value();
  }

  /** The work of one transaction: the store's writer, its time, and what to report after. */
  private final class Tx {
    final LedgerStore.Writer writer;
    final long now;
    final List<Consumer<LedgerObserver>> events = new ArrayList<>();
    // Accounts as this transaction last read or wrote them. A transaction is one operation, and
    // if it fails it is discarded with its cache, so the cache never outlives what it describes.
    private final java.util.Map<String, Account> accounts = new java.util.HashMap<>();

    Tx(LedgerStore.Writer writer, long now) {
      this.writer = writer;
      this.now = now;
    }

    Optional<Account> find(String did) {
      Account cached = accounts.get(did);
      if (cached != null) {
        return Optional.of(cached);
      }
      Optional<Account> stored = writer.account(did);
      stored.ifPresent(a -> accounts.put(did, a));
      return stored;
    }

    Account existing(String did) {
      return find(did).orElseThrow(() -> new IllegalStateException("account " + did + " vanished"));
    }

    /**
     * The account of someone about to spend or read: opened with the grant in development mode,
     * refused otherwise; its holds past their expiry are expired first so it is not refused mana it
     * already has back.
     */
    Account spender(String did) {
      if (find(did).isEmpty()) {
        if (options.devGrant() == 0 || did.equals(MINT_ACCOUNT)) {
          throw LedgerErrors.accountNotFound(did);
        }
        return open(did);
      }
      for (String id : writer.dueHoldsOf(did, now)) {
        hold(id);
      }
      regenerate(did);
      return existing(did);
    }

    /**
     * Credits what {@code did} regenerated since it was last counted, before anything changes its
     * balance, so that each stretch of time is counted at the balance it had then.
     */
    void regenerate(String did) {
      Regeneration rule = options.regeneration();
      if (!rule.enabled() || did.equals(MINT_ACCOUNT)) {
        return;
      }
      Account account = existing(did);
      Optional<Regeneration.State> state = writer.regeneration(did);
      if (state.isEmpty() || account.balance() >= rule.cap()) {
        // Not counted yet, or at the cap where nothing accrues: count from now.
        if (state.isEmpty() || state.get().anchor() != now || state.get().paid() != 0) {
          writer.putRegeneration(did, new Regeneration.State(now, 0));
        }
        return;
      }
      long due = rule.earned(state.get().anchor(), now) - state.get().paid();
      // Never past the cap, and never more than the system account can still issue: its balance
      // is minus all mana ever created and cannot go below Long.MIN_VALUE.
      long credit = Math.min(Math.min(due, rule.room(account.balance())), mintable());
      if (credit <= 0) {
        return;
      }
      openMintAccount();
      long since = state.get().anchor();
      String memo = "regenerated since " + java.time.Instant.ofEpochMilli(since);
      entry(MINT_ACCOUNT, EntryKind.REGENERATE, -credit, 0, did, "", "", "", memo, "");
      entry(did, EntryKind.REGENERATE, credit, 0, MINT_ACCOUNT, "", "", "", memo, "");
      moved(EntryKind.REGENERATE, credit);
      writer.putRegeneration(
          did, credit < due ? new Regeneration.State(now, 0) : rule.paid(state.get(), credit));
    }

    private void openMintAccount() {
      if (find(MINT_ACCOUNT).isEmpty()) {
        writer.insertAccount(new Account(MINT_ACCOUNT, 0, 0, now));
      }
    }

    /** Mana the system account can still issue before its balance would pass Long.MIN_VALUE. */
    private long mintable() {
      long minted = find(MINT_ACCOUNT).map(Account::balance).orElse(0L);
      return Regeneration.saturatedDifference(minted, Long.MIN_VALUE);
    }

    /** The account of someone being paid, opened if new (with the grant in development mode). */
    Account receiver(String did) {
      return find(did).orElseGet(() -> open(did));
    }

    private Account open(String did) {
      writer.insertAccount(new Account(did, 0, 0, now));
      if (options.devGrant() > 0) {
        mintInto(did, options.devGrant(), "development grant", "");
      }
      return existing(did);
    }

    void mintInto(String did, long amount, String memo, String requestId) {
      openMintAccount();
      entry(MINT_ACCOUNT, EntryKind.MINT, -amount, 0, did, null, "", memo, requestId);
      entry(did, EntryKind.MINT, amount, 0, MINT_ACCOUNT, null, "", memo, requestId);
      moved(EntryKind.MINT, amount);
    }

    /** A hold by id, expired first when it is pending past its expiry. */
    Hold hold(String holdId) {
      Hold hold = writer.hold(holdId).orElseThrow(() -> LedgerErrors.holdNotFound(holdId));
      if (!hold.isDue(now)) {
        return hold;
      }
      long rest = hold.remaining();
      if (rest > 0) {
        entry(hold.payerDid(), EntryKind.EXPIRE, 0, -rest, "", hold, "", "hold expired", "");
        moved(EntryKind.EXPIRE, rest);
      }
      Hold expired = hold.closed(HoldState.EXPIRED, now);
      writer.updateHold(expired);
      holdChanged(HoldState.EXPIRED);
      return expired;
    }

    /** Applies one change to an account concerning {@code hold} (or none) as an entry. */
    void entry(
        String did,
        EntryKind kind,
        long balanceDelta,
        long heldDelta,
        String counterparty,
        Hold hold,
        String taskId,
        String memo,
        String requestId) {
      entry(
          did,
          kind,
          balanceDelta,
          heldDelta,
          counterparty,
          hold == null ? "" : hold.jobId(),
          hold == null ? "" : hold.holdId(),
          taskId,
          memo,
          requestId);
    }

    /** Applies one change to an account and records it as an entry of its history. */
    void entry(
        String did,
        EntryKind kind,
        long balanceDelta,
        long heldDelta,
        String counterparty,
        String jobId,
        String holdId,
        String taskId,
        String memo,
        String requestId) {
      if (kind != EntryKind.REGENERATE && balanceDelta != 0) {
        regenerate(did);
      }
      Account account = existing(did);
      long balance;
      long held;
      try {
        balance = Math.addExact(account.balance(), balanceDelta);
      } catch (ArithmeticException e) {
        throw LedgerErrors.amountTooLarge(did, "balance", account.balance(), balanceDelta);
      }
      try {
        held = Math.addExact(account.held(), heldDelta);
      } catch (ArithmeticException e) {
        throw LedgerErrors.amountTooLarge(did, "held", account.held(), heldDelta);
      }
      Account after = new Account(did, balance, held, account.createdAt());
      // Only mana leaving an account is held to the floor: a credit, or a hold whose payer's floor
      // was lowered since, must still go through.
      boolean spends = balanceDelta < 0 || heldDelta > 0;
      if (!did.equals(MINT_ACCOUNT)
          && (held < 0 || (spends && after.isBelow(options.floorOf(did))))) {
        // The operations check their preconditions first; reaching this is a bug, and the
        // transaction rolls back rather than commit a broken account.
        throw new IllegalStateException(
            kind + " would leave " + did + " with balance " + balance + " and held " + held);
      }
      writer.updateAccount(did, balance, held);
      accounts.put(did, after);
      writer.appendEntry(
          new HistoryEntry(
              0,
              did,
              kind,
              balanceDelta,
              heldDelta,
              balance,
              held,
              counterparty,
              jobId,
              holdId,
              taskId,
              memo,
              requestId,
              now));
    }

    void moved(EntryKind kind, long amount) {
      events.add(o -> o.manaMoved(kind, amount));
    }

    void holdChanged(HoldState state) {
      events.add(o -> o.holdChanged(state));
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Mana {@code account} has regenerated and not yet been credited, capped at the room left under
   * the cap and at what the system account can still issue.
   */
  private long regenerationDue(Account account, LedgerStore.Reader r, long now) {
    Regeneration rule = options.regeneration();
    if (!rule.enabled() || account.balance() >= rule.cap()) {
      return 0;
    }
    Optional<Regeneration.State> state = r.regeneration(account.did());
    if (state.isEmpty()) {
      return 0;
    }
    long due = rule.earned(state.get().anchor(), now) - state.get().paid();
    long minted = r.account(MINT_ACCOUNT).map(Account::balance).orElse(0L);
    return Math.min(
        Math.min(due, rule.room(account.balance())),
        Regeneration.saturatedDifference(minted, Long.MIN_VALUE));
  }

  /**
   * A new hold id: "hold_" and 32 hex digits, the first 12 the current time in milliseconds and the
   * rest 80 random bits (the layout of a version 7 UUID). Ids made close in time sort close
   * together, so the holds table's key takes new rows at one end rather than all over its B-tree,
   * and a group commit touches a few pages instead of one per hold.
   */
  private static String newHoldId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long time = System.currentTimeMillis() & 0xFFFF_FFFF_FFFFL;
    return "hold_"
        + HexFormat.of().toHexDigits(time).substring(4)
        + HexFormat.of().toHexDigits((short) random.nextInt())
        + HexFormat.of().toHexDigits(random.nextLong());
  }

  /** A digest of a request's content; each field is length-prefixed so no two contents collide. */
  private static String fingerprint(String operation, List<Object> content) {
    StringBuilder canonical = new StringBuilder(operation);
    for (Object field : content) {
      String text = String.valueOf(field);
      canonical.append('\n').append(text.length()).append(':').append(text);
    }
    return HexFormat.of()
        .formatHex(SHA_256.get().digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
  }

  // One digest per thread: every operation takes a fingerprint, and getInstance searches the
  // security providers each time.
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every JDK has SHA-256", e);
            }
          });

  private static long parsePageToken(String token) {
    if (token.isEmpty()) {
      return Long.MAX_VALUE;
    }
    try {
      long id = Long.parseLong(token);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // Reported below with the field name.
    }
    throw invalidField("page_token", "is not a token this ledger issued");
  }

  private static void requireText(String field, String value) {
    if (value == null || value.isBlank()) {
      throw invalidField(field, "is required");
    }
  }

  private static void requireUserDid(String field, String did) {
    requireText(field, did);
    if (did.equals(MINT_ACCOUNT)) {
      throw invalidField(field, "may not name the system account " + MINT_ACCOUNT);
    }
  }

  /** An operation's amount: positive, and at most what one operation may move. */
  private void requireAmount(long amount) {
    if (amount <= 0) {
      throw invalidField("amount", "must be > 0, got " + amount).with("value", amount);
    }
    if (amount > options.maxAmount()) {
      throw LedgerErrors.amountAboveMax(amount, options.maxAmount());
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
