package io.meshwork.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which token ids each caller used, until those tokens expire, so a captured token cannot
 * be presented twice, and so no caller can take more than its share of that memory.
 *
 * <p>The memory is split in shards with a lock each, so concurrent callers rarely wait on one
 * another. Which shard an id lands in is decided by a hash keyed with a secret drawn when the
 * process starts: a caller chooses its token ids, and with a plain hash it could aim them all at
 * one shard and fill it, refusing everyone whose ids land there. Every shard forgets its expired
 * ids (oldest expiry first, through a heap) before it takes a new one, so the cost per token stays
 * logarithmic however long the server runs.
 *
 * <p>Capacity is bounded twice: each caller may have at most its quota of live ids, and the whole
 * memory at most its capacity. When either is reached the cache refuses new ids rather than
 * forgetting a live one, since forgetting would let that token be replayed.
 */
final class ReplayCache {
  /** What happened to a token id presented to the cache. */
  enum Outcome {
    FIRST_USE,
    REPLAYED,
    OVER_QUOTA,
    FULL
  }

  static final int SHARDS = 16;

  /** Seconds an id is kept past its token's expiry, in case the clock steps back a little. */
  private static final long GRACE_SECONDS = 30;

  private final Shard[] shards = new Shard[SHARDS];
  private final int quota;
  private final byte[] key = new byte[32];
  // How many live ids each caller has. Changed only inside compute calls on the caller's entry,
  // so a count and the decision to remove it at zero never race.
  private final ConcurrentHashMap<String, Live> callers = new ConcurrentHashMap<>();

  ReplayCache(ReplayLimits limits) {
    this.quota = limits.perCallerQuota();
    new SecureRandom().nextBytes(key);
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = new Shard(limits.capacity() / SHARDS);
    }
  }

  /**
   * Records {@code caller}'s token id {@code jti}, valid until {@code expiresAt} (epoch seconds),
   * unless already seen or the caller or the memory has no room for it.
   */
  Outcome record(String caller, String jti, long expiresAt, long nowSeconds) {
    Id id = id(caller, jti);
    Shard shard = shards[shardOf(id)];
    Outcome outcome = shard.record(id, caller, expiresAt, nowSeconds);
    if (outcome == Outcome.OVER_QUOTA) {
      // The caller's count may include ids that expired in shards nobody has touched since: forget
      // those everywhere, then decide again.
      for (Shard s : shards) {
        s.forgetExpired(nowSeconds);
      }
      outcome = shard.record(id, caller, expiresAt, nowSeconds);
    }
    return outcome;
  }

  /** The shard {@code caller}'s id {@code jti} is kept in (for tests). */
  int shardOf(String caller, String jti) {
    return shardOf(id(caller, jti));
  }

  private static int shardOf(Id id) {
    return (int) Math.floorMod(id.high(), (long) SHARDS);
  }

  /**
   * How many live ids {@code caller} has at {@code nowSeconds} (for tests). Ids that expired in
   * shards nobody has touched since are still counted until a sweep, so this sweeps every shard
   * first; {@link #record} does the same before it refuses a caller over its quota.
   */
  int liveIdsOf(String caller, long nowSeconds) {
    for (Shard s : shards) {
      s.forgetExpired(nowSeconds);
    }
    Live live = callers.get(caller);
    return live == null ? 0 : live.count;
  }

  /** Takes one unit of {@code caller}'s quota, or returns null when it has none left. */
  private Live reserve(String caller) {
    Live[] taken = new Live[1];
    callers.compute(
        caller,
        (did, live) -> {
          Live l = live == null ? new Live(did) : live;
          if (l.count < quota) {
            l.count++;
            taken[0] = l;
          }
          return l.count == 0 ? null : l;
        });
    return taken[0];
  }

  private void release(Live live) {
    callers.computeIfPresent(live.caller, (did, l) -> --l.count == 0 ? null : l);
  }

  /**
   * The remembered form of a token id: 128 bits of a keyed SHA-256 over the caller and the id. It
   * is small, and it spreads ids over the shards in a way no caller can predict.
   */
  private Id id(String caller, String jti) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    sha256.update(key);
    // A did:key never contains a newline, so the pair is encoded without ambiguity.
    sha256.update(caller.getBytes(StandardCharsets.UTF_8));
    sha256.update((byte) '\n');
    byte[] digest = sha256.digest(jti.getBytes(StandardCharsets.UTF_8));
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (digest[i] & 0xff);
      low = (low << 8) | (digest[8 + i] & 0xff);
    }
    return new Id(high, low);
  }

  private record Id(long high, long low) {}

  /** One caller's count of live ids; the map entry and the ids it counts share this object. */
  private static final class Live {
    final String caller;
    int count;

    Live(String caller) {
      this.caller = caller;
    }
  }

  private final class Shard {
    private record Pending(long forgetAfter, Id id, Live owner) {}

    private final int capacity;
    private final Set<Id> seen = new HashSet<>();
    private final PriorityQueue<Pending> byExpiry =
        new PriorityQueue<>((a, b) -> Long.compare(a.forgetAfter(), b.forgetAfter()));

    Shard(int capacity) {
      this.capacity = capacity;
    }

    synchronized Outcome record(Id id, String caller, long expiresAt, long nowSeconds) {
      forgetExpiredLocked(nowSeconds);
      if (seen.contains(id)) {
        return Outcome.REPLAYED;
      }
      Live owner = reserve(caller);
      if (owner == null) {
        return Outcome.OVER_QUOTA;
      }
      if (seen.size() >= capacity) {
        release(owner);
        return Outcome.FULL;
      }
      long forgetAfter = expiresAt + GRACE_SECONDS;
      seen.add(id);
      byExpiry.add(new Pending(forgetAfter, id, owner));
      return Outcome.FIRST_USE;
    }

    synchronized void forgetExpired(long nowSeconds) {
      forgetExpiredLocked(nowSeconds);
    }

    private void forgetExpiredLocked(long nowSeconds) {
      while (!byExpiry.isEmpty() && byExpiry.peek().forgetAfter() < nowSeconds) {
        Pending gone = byExpiry.poll();
        seen.remove(gone.id());
        release(gone.owner());
      }
    }
  }
}
