package io.meshwork.ledger.store;

import io.meshwork.ledger.core.Account;
import io.meshwork.ledger.core.HistoryEntry;
import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.HoldState;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.RecordedRequest;
import io.meshwork.ledger.core.Regeneration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The committer's in-memory copy of what writes touch: accounts, regeneration anchors and request
 * outcomes recently used, every pending hold, and the changes of the group being built.
 *
 * <p>The ledger is the database's only writer (one committer thread; on PostgreSQL an advisory lock
 * keeps other ledgers out), so what this copy holds is exactly what the database holds plus the
 * current group's changes. Writes therefore run without any SQL except a look-up when something is
 * not cached, and the group's changes reach the database as a few JDBC batches: one upsert per
 * touched account and hold, one insert per entry and request outcome.
 *
 * <p>Each write works in an {@link Op} that keeps its changes apart; only when the write returns
 * are they folded into the group ({@link Op#keep}), so a write that throws leaves nothing, without
 * any savepoint. Look-ups see, in order: the write's own changes, the group's, the cache, the
 * database. If the group's commit fails, the committer drops the whole object and loads a new one
 * from the database: nothing of that group was acknowledged.
 *
 * <p>All pending holds are kept (the due-hold look-ups need every one of them; a pending hold costs
 * a few hundred bytes); accounts and regeneration anchors ({@value #ACCOUNTS_CACHED}), recent
 * request outcomes and closed holds ({@value #RECENT_CACHED}) are kept in least-recently-used maps
 * and read from the database on a miss. Not thread-safe: only the committer (or, without one, the
 * caller holding the write lock) uses it.
 */
final class WorkingState {
  /** How many accounts and regeneration anchors stay cached between groups. */
  static final int ACCOUNTS_CACHED = 100_000;

  /**
   * How many recent request outcomes and closed holds stay cached: enough for retries that follow
   * soon after, while older ones are read from the database.
   */
  static final int RECENT_CACHED = 16_384;

  private static final Comparator<Hold> BY_EXPIRY =
      Comparator.comparingLong(Hold::expiresAt).thenComparing(Hold::holdId);

  /** Database look-ups for what is not cached, on the writing connection. */
  interface Source {
    Optional<Account> account(String did);

    Optional<Hold> hold(String holdId);

    Optional<Regeneration.State> regeneration(String did);

    Optional<RecordedRequest> request(String requestId);

    /** The recorded outcomes among {@code requestIds}. */
    List<RecordedRequest> requests(Collection<String> requestIds);
  }

  private final Source source;

  // Committed state, cached.
  private final Map<String, Account> accounts = lru(ACCOUNTS_CACHED);
  private final Map<String, Optional<Regeneration.State>> regeneration = lru(ACCOUNTS_CACHED);
  private final Map<String, RecordedRequest> requests = lru(RECENT_CACHED);
  private final Map<String, Hold> closedHolds = lru(RECENT_CACHED);
  private final Map<String, Hold> pending = new HashMap<>();
  private final NavigableSet<Hold> pendingByExpiry = new TreeSet<>(BY_EXPIRY);
  private final Map<String, NavigableSet<Hold>> pendingByPayer = new HashMap<>();
  private long nextEntryId;

  // The group's changes, not yet written.
  private final Map<String, Account> groupAccounts = new LinkedHashMap<>();
  private final Map<String, Hold> groupHolds = new LinkedHashMap<>();
  private final Map<String, Regeneration.State> groupRegeneration = new LinkedHashMap<>();
  private final Map<String, RecordedRequest> groupRequests = new LinkedHashMap<>();
  private final List<HistoryEntry> groupEntries = new ArrayList<>();
  // Request ids the database was asked about at the start of the group and does not have.
  private final Set<String> unrecorded = new HashSet<>();

  /**
   * Starts from the committed state: every pending hold, and the id the next entry gets.
   *
   * @param lastEntryId the highest entry id in the database, 0 if none
   */
  WorkingState(Source source, List<Hold> pendingHolds, long lastEntryId) {
    this.source = source;
    for (Hold h : pendingHolds) {
      addPending(h);
    }
    this.nextEntryId = lastEntryId + 1;
  }

  /**
   * Fetches at once the recorded outcomes of the request ids a group is about to look up, so that
   * the group costs one query for them rather than one per write.
   */
  void prefetchRequests(Collection<String> requestIds) {
    List<String> missing = new ArrayList<>();
    for (String id : requestIds) {
      if (id != null && !requests.containsKey(id) && !groupRequests.containsKey(id)) {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    unrecorded.addAll(missing);
    for (RecordedRequest r : source.requests(missing)) {
      unrecorded.remove(r.requestId());
      requests.put(r.requestId(), r);
    }
  }

  /** Begins one write of the group. */
  Op begin() {
    return new Op();
  }

  /** Whether the group changed anything. */
  boolean hasChanges() {
    return !groupAccounts.isEmpty()
        || !groupHolds.isEmpty()
        || !groupRegeneration.isEmpty()
        || !groupRequests.isEmpty()
        || !groupEntries.isEmpty();
  }

  Collection<Account> changedAccounts() {
    return groupAccounts.values();
  }

  Collection<Hold> changedHolds() {
    return groupHolds.values();
  }

  Map<String, Regeneration.State> changedRegeneration() {
    return groupRegeneration;
  }

  Collection<RecordedRequest> newRequests() {
    return groupRequests.values();
  }

  List<HistoryEntry> newEntries() {
    return groupEntries;
  }

  /** The group is committed: its changes become cached committed state. */
  void committed() {
    accounts.putAll(groupAccounts);
    groupRegeneration.forEach((did, state) -> regeneration.put(did, Optional.of(state)));
    requests.putAll(groupRequests);
    for (Hold h : groupHolds.values()) {
      if (h.state() != HoldState.PENDING) {
        closedHolds.put(h.holdId(), h);
      }
    }
    endGroup();
  }

  /** The group found nothing to write; forget what it learned about absent requests. */
  void endGroup() {
    groupAccounts.clear();
    groupHolds.clear();
    groupRegeneration.clear();
    groupRequests.clear();
    groupEntries.clear();
    unrecorded.clear();
  }

  private void addPending(Hold h) {
    pending.put(h.holdId(), h);
    pendingByExpiry.add(h);
    pendingByPayer.computeIfAbsent(h.payerDid(), p -> new TreeSet<>(BY_EXPIRY)).add(h);
  }

  private void removePending(Hold h) {
    pending.remove(h.holdId());
    pendingByExpiry.remove(h);
    NavigableSet<Hold> ofPayer = pendingByPayer.get(h.payerDid());
    if (ofPayer != null) {
      ofPayer.remove(h);
      if (ofPayer.isEmpty()) {
        pendingByPayer.remove(h.payerDid());
      }
    }
  }

  /** A hold as the group left it: pending ones from memory, closed ones from cache or database. */
  private Optional<Hold> groupHold(String holdId) {
    Hold h = groupHolds.get(holdId);
    if (h != null) {
      return Optional.of(h);
    }
    h = pending.get(holdId);
    if (h != null) {
      return Optional.of(h);
    }
    h = closedHolds.get(holdId);
    if (h != null) {
      return Optional.of(h);
    }
    Optional<Hold> stored = source.hold(holdId);
    // Every pending hold is in memory, so one found only in the database is closed.
    stored.ifPresent(s -> closedHolds.put(holdId, s));
    return stored;
  }

  private static <K, V> Map<K, V> lru(int capacity) {
    return new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }

  /**
   * One write's view and its changes, kept apart until {@link #keep}: a write that throws is simply
   * never kept.
   */
  final class Op implements LedgerStore.Writer {
    private final Map<String, Account> opAccounts = new HashMap<>();
    private final Map<String, Hold> opHolds = new LinkedHashMap<>();
    private final Map<String, Regeneration.State> opRegeneration = new HashMap<>();
    private final Map<String, RecordedRequest> opRequests = new LinkedHashMap<>();
    private final List<HistoryEntry> opEntries = new ArrayList<>();
    private final long firstEntryId = nextEntryId;

    /** Folds this write's changes into the group. */
    void keep() {
      groupAccounts.putAll(opAccounts);
      for (Hold h : opHolds.values()) {
        Hold before = pending.get(h.holdId());
        if (before != null) {
          removePending(before);
        }
        if (h.state() == HoldState.PENDING) {
          addPending(h);
        }
        groupHolds.put(h.holdId(), h);
      }
      groupRegeneration.putAll(opRegeneration);
      groupRequests.putAll(opRequests);
      groupEntries.addAll(opEntries);
    }

    /** Drops this write's changes, giving back the entry ids it took. */
    void discard() {
      nextEntryId = firstEntryId;
    }

    @Override
    public Optional<Account> account(String did) {
      Account a = opAccounts.get(did);
      if (a == null) {
        a = groupAccounts.get(did);
      }
      if (a == null) {
        a = accounts.get(did);
      }
      if (a != null) {
        return Optional.of(a);
      }
      Optional<Account> stored = source.account(did);
      stored.ifPresent(s -> accounts.put(did, s));
      return stored;
    }

    @Override
    public Optional<Hold> hold(String holdId) {
      Hold h = opHolds.get(holdId);
      return h != null ? Optional.of(h) : groupHold(holdId);
    }

    @Override
    public List<String> dueHolds(long nowMillis, int limit) {
      return due(pendingByExpiry, opHolds.values(), nowMillis, limit);
    }

    @Override
    public List<String> dueHoldsOf(String payerDid, long nowMillis) {
      NavigableSet<Hold> ofPayer = pendingByPayer.getOrDefault(payerDid, new TreeSet<>());
      List<Hold> mine = new ArrayList<>();
      for (Hold h : opHolds.values()) {
        if (h.payerDid().equals(payerDid)) {
          mine.add(h);
        }
      }
      return due(ofPayer, mine, nowMillis, Integer.MAX_VALUE);
    }

    /** Pending holds due at {@code now}, in expiry order, as this write sees them. */
    private List<String> due(
        NavigableSet<Hold> byExpiry, Collection<Hold> changed, long now, int limit) {
      TreeSet<Hold> due = new TreeSet<>(BY_EXPIRY);
      for (Hold h : byExpiry) {
        if (h.expiresAt() > now || due.size() >= limit) {
          break;
        }
        if (!opHolds.containsKey(h.holdId())) {
          due.add(h);
        }
      }
      for (Hold h : changed) {
        if (h.isDue(now)) {
          due.add(h);
        }
      }
      List<String> ids = new ArrayList<>();
      for (Hold h : due) {
        if (ids.size() >= limit) {
          break;
        }
        ids.add(h.holdId());
      }
      return ids;
    }

    @Override
    public Optional<Regeneration.State> regeneration(String did) {
      Regeneration.State s = opRegeneration.get(did);
      if (s == null) {
        s = groupRegeneration.get(did);
      }
      if (s != null) {
        return Optional.of(s);
      }
      Optional<Regeneration.State> cached = regeneration.get(did);
      if (cached != null) {
        return cached;
      }
      Optional<Regeneration.State> stored = source.regeneration(did);
      regeneration.put(did, stored);
      return stored;
    }

    @Override
    public Optional<RecordedRequest> request(String requestId) {
      RecordedRequest r = opRequests.get(requestId);
      if (r == null) {
        r = groupRequests.get(requestId);
      }
      if (r == null) {
        r = requests.get(requestId);
      }
      if (r != null) {
        return Optional.of(r);
      }
      if (unrecorded.contains(requestId)) {
        return Optional.empty();
      }
      Optional<RecordedRequest> stored = source.request(requestId);
      stored.ifPresent(s -> requests.put(requestId, s));
      return stored;
    }

    @Override
    public void insertAccount(Account account) {
      if (account(account.did()).isPresent()) {
        throw new IllegalStateException("account " + account.did() + " exists");
      }
      opAccounts.put(account.did(), account);
    }

    @Override
    public void updateAccount(String did, long balance, long held) {
      Account a = account(did).orElseThrow(() -> new IllegalStateException("no account " + did));
      opAccounts.put(did, new Account(did, balance, held, a.createdAt()));
    }

    @Override
    public void insertHold(Hold hold) {
      // Checked against memory only: hold ids are random 128-bit values, and the primary key
      // would still refuse a duplicate at commit.
      String id = hold.holdId();
      if (opHolds.containsKey(id) || groupHolds.containsKey(id) || pending.containsKey(id)) {
        throw new IllegalStateException("hold " + id + " exists");
      }
      if (account(hold.payerDid()).isEmpty()) {
        throw new IllegalStateException("no account " + hold.payerDid() + " for the hold");
      }
      opHolds.put(hold.holdId(), hold);
    }

    @Override
    public void updateHold(Hold hold) {
      if (hold(hold.holdId()).isEmpty()) {
        throw new IllegalStateException("no hold " + hold.holdId() + " to update");
      }
      opHolds.put(hold.holdId(), hold);
    }

    @Override
    public long appendEntry(HistoryEntry e) {
      if (account(e.did()).isEmpty()) {
        throw new IllegalStateException("no account " + e.did() + " for the entry");
      }
      long id = nextEntryId++;
      opEntries.add(
          new HistoryEntry(
              id,
              e.did(),
              e.kind(),
              e.balanceDelta(),
              e.heldDelta(),
              e.balanceAfter(),
              e.heldAfter(),
              e.counterpartyDid(),
              e.jobId(),
              e.holdId(),
              e.taskId(),
              e.memo(),
              e.requestId(),
              e.at()));
      return id;
    }

    @Override
    public void recordRequest(RecordedRequest request) {
      if (request(request.requestId()).isPresent()) {
        throw new IllegalStateException("request " + request.requestId() + " is recorded");
      }
      opRequests.put(request.requestId(), request);
    }

    @Override
    public void putRegeneration(String did, Regeneration.State state) {
      if (account(did).isEmpty()) {
        throw new IllegalStateException("no account " + did + " to regenerate");
      }
      opRegeneration.put(did, state);
    }
  }
}
