package io.meshwork.receiptlog.core;

import io.meshwork.identity.DidKey;
import io.meshwork.receiptlog.store.LogStore;
import io.meshwork.receiptlog.store.LogStoreException;
import io.meshwork.receiptlog.store.MemberList;
import io.meshwork.receiptlog.store.MemberPeriod;
import io.meshwork.runtime.errors.MeshException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whose receipts the log takes from each orchestrator: an executor the log's own {@code
 * auth.executors} names, or one the anchoring orchestrator vouched for with {@code SyncMembers} and
 * whose membership covers the moment the receipt says it finished.
 *
 * <p>Each orchestrator's list is kept in the log's store, so a restarted log still knows it, and in
 * memory, so the anchor path checks a receipt without a read. A list is replaced whole, and only by
 * a higher version: orchestrators re-send their list periodically, and a re-send or a delayed older
 * one must not undo a newer one.
 */
public final class ExecutorMembership {
  /**
   * How far a receipt's {@code finished_at}, read from the executor's clock, may lie outside the
   * membership period the orchestrator recorded on its own clock. Mesh machines keep their clocks
   * within seconds of each other; a minute tolerates a poorly synchronised one without admitting
   * receipts from well before an executor joined or well after it left.
   */
  public static final long CLOCK_SLACK_MS = 60_000;

  /** Members one list holds at most; an orchestrator's mesh is far smaller. */
  public static final int MAX_MEMBERS = 100_000;

  private static final Logger LOG = Logger.getLogger(ExecutorMembership.class.getName());

  private final LogStore store;
  private final Predicate<String> configured;

  /** Each orchestrator's latest list; replaced whole, so readers never see half of one. */
  private final Map<String, Vouched> lists = new ConcurrentHashMap<>();

  /**
   * Serialises syncs, so two of one orchestrator cannot store in one order and publish in another.
   */
  private final Object syncLock = new Object();

  private ExecutorMembership(LogStore store, Predicate<String> configured) {
    this.store = store;
    this.configured = configured;
  }

  /**
   * Loads the member lists held in {@code store}.
   *
   * @param configured whether a DID is named in the log's {@code auth.executors}, whose receipts
   *     are taken from any orchestrator at any time
   * @throws LogStoreException if the lists cannot be read
   */
  public static ExecutorMembership load(LogStore store, Predicate<String> configured) {
    ExecutorMembership membership = new ExecutorMembership(store, configured);
    for (MemberList list : store.memberLists()) {
      membership.lists.put(list.orchestratorDid(), Vouched.of(list));
    }
    return membership;
  }

  /**
   * Replaces the list of {@code orchestratorDid} with {@code members} if {@code version} is higher
   * than the one held; otherwise leaves it alone.
   *
   * @return the version held now: {@code version}, or the higher one already held
   * @throws MeshException INVALID_ARGUMENT {@code INVALID_FIELD} naming the first bad member or a
   *     version below 1; UNAVAILABLE {@code LOG_STORE_UNAVAILABLE} if the list cannot be stored
   */
  public long sync(String orchestratorDid, long version, List<MemberPeriod> members) {
    validate(version, members);
    synchronized (syncLock) {
      long held = version(orchestratorDid);
      if (version <= held) {
        return held;
      }
      MemberList list = new MemberList(orchestratorDid, version, members);
      try {
        store.replaceMembers(list);
      } catch (LogStoreException e) {
        LOG.log(Level.WARNING, "storing the member list of " + orchestratorDid + " failed", e);
        throw MeshException.unavailable(
            "LOG_STORE_UNAVAILABLE", "the receipt log could not store the member list", e);
      }
      // Published only once stored, so the log never takes a receipt it would refuse after a
      // restart.
      lists.put(orchestratorDid, Vouched.of(list));
      LOG.info(
          () ->
              "orchestrator "
                  + orchestratorDid
                  + " vouches for "
                  + members.size()
                  + " executors (version "
                  + version
                  + ")");
      return version;
    }
  }

  /** The version of {@code orchestratorDid}'s list that the log holds; 0 if it sent none. */
  public long version(String orchestratorDid) {
    Vouched v = lists.get(orchestratorDid);
    return v == null ? 0 : v.version();
  }

  /**
   * Whether the log takes a receipt that {@code executorDid} says it finished at {@code
   * finishedAt}, anchored by {@code orchestratorDid}: the executor is configured, or that
   * orchestrator's list has it admitted no later than {@code finishedAt} and, if it left, gone no
   * earlier, each within {@link #CLOCK_SLACK_MS}.
   *
   * <p>A receipt signed before its executor left is still taken afterwards: a job may settle after
   * its executor drained and left.
   */
  public boolean accepts(String orchestratorDid, String executorDid, long finishedAt) {
    if (configured.test(executorDid)) {
      return true;
    }
    Vouched v = lists.get(orchestratorDid);
    MemberPeriod p = v == null ? null : v.byExecutor().get(executorDid);
    return p != null && covers(p, finishedAt);
  }

  /**
   * Whether {@code finishedAt} lies in the period, widened by the slack on both ends. Written as
   * differences of non-negative values so that no sum can overflow.
   */
  static boolean covers(MemberPeriod p, long finishedAt) {
    if (finishedAt < 0) {
      // A uint64 beyond 2^63 - 1 ms is no time a member could have finished at.
      return false;
    }
    return p.admittedAt() - finishedAt <= CLOCK_SLACK_MS
        && (p.leftAt() == 0 || finishedAt - p.leftAt() <= CLOCK_SLACK_MS);
  }

  private static void validate(long version, List<MemberPeriod> members) {
    if (version < 1) {
      // 0 is what an orchestrator sends when it forgot to set one; above 2^63 - 1 reads as < 0.
      throw invalid(
          "version", "version must be 1 to 2^63-1, got " + Long.toUnsignedString(version));
    }
    if (members.size() > MAX_MEMBERS) {
      throw invalid(
          "members",
          "members must hold at most " + MAX_MEMBERS + " executors, got " + members.size());
    }
    Map<String, Integer> seen = new HashMap<>(members.size() * 2);
    for (int i = 0; i < members.size(); i++) {
      MemberPeriod m = members.get(i);
      String at = "members[" + i + "]";
      try {
        DidKey.publicKey(m.executorDid());
      } catch (IllegalArgumentException e) {
        throw invalid(
            at + ".executor_did",
            at + ".executor_did is not an Ed25519 did:key (" + e.getMessage() + ")");
      }
      Integer earlier = seen.putIfAbsent(m.executorDid(), i);
      if (earlier != null) {
        throw invalid(
            at + ".executor_did",
            at + ".executor_did " + m.executorDid() + " is also members[" + earlier + "]");
      }
      if (m.admittedAt() < 1) {
        throw invalid(
            at + ".admitted_at",
            at
                + ".admitted_at must be 1 to 2^63-1 ms since the epoch, got "
                + Long.toUnsignedString(m.admittedAt()));
      }
      if (m.leftAt() != 0 && (m.leftAt() < m.admittedAt())) {
        // A left_at above 2^63 - 1 reads as negative and lands here too.
        throw invalid(
            at + ".left_at",
            at
                + ".left_at "
                + Long.toUnsignedString(m.leftAt())
                + " is before admitted_at "
                + m.admittedAt()
                + "; 0 means still a member");
      }
    }
  }

  private static MeshException invalid(String field, String message) {
    return MeshException.invalidArgument("INVALID_FIELD", message).with("field", field);
  }

  /** One orchestrator's list as the anchor path reads it: by executor DID. */
  private record Vouched(long version, Map<String, MemberPeriod> byExecutor) {
    static Vouched of(MemberList list) {
      Map<String, MemberPeriod> byExecutor = HashMap.newHashMap(list.members().size());
      for (MemberPeriod m : list.members()) {
        byExecutor.put(m.executorDid(), m);
      }
      return new Vouched(list.version(), byExecutor);
    }
  }
}
