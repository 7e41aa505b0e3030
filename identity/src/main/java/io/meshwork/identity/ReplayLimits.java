package io.meshwork.identity;

/**
 * How much a server remembers against token replay: at most {@code capacity} live token ids in all,
 * of which one caller may hold at most {@code perCallerQuota}.
 *
 * <p>A token id stays remembered until its token expires (plus a short grace), so the quota is a
 * bound on how many calls one caller may make within one token lifetime. A caller over its quota is
 * refused ({@code replay-quota}) while everyone else keeps working; only when the memory as a whole
 * is full is everyone refused ({@code replay-capacity}), since forgetting a live id would let its
 * token be replayed.
 *
 * @param capacity the most live token ids remembered, at least {@link #MIN_CAPACITY}
 * @param perCallerQuota the most live token ids of one caller, from 1 to {@code capacity}
 */
public record ReplayLimits(int capacity, int perCallerQuota) {
  /** The least capacity: the memory is split in this many shards, each holding at least one id. */
  public static final int MIN_CAPACITY = ReplayCache.SHARDS;

  /** What a server remembers for callers with no configured role: users, strangers. */
  public static final ReplayLimits USERS = new ReplayLimits(250_000, 10_000);

  /** What a server remembers for callers the operator configured in a role. */
  public static final ReplayLimits PARTIES = new ReplayLimits(1_000_000, 250_000);

  /** Checks the bounds. */
  public ReplayLimits {
    if (capacity < MIN_CAPACITY) {
      throw new IllegalArgumentException(
          "the replay memory holds at least " + MIN_CAPACITY + " ids, not " + capacity);
    }
    if (perCallerQuota < 1 || perCallerQuota > capacity) {
      throw new IllegalArgumentException(
          "a caller's replay quota is between 1 and the capacity "
              + capacity
              + ", not "
              + perCallerQuota);
    }
  }
}
