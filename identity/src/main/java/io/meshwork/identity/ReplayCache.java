package io.meshwork.identity;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Remembers which token ids were used, until those tokens expire, so a captured token cannot be
 * presented twice.
 *
 * <p>The memory is split in shards with a lock each, so concurrent callers rarely wait on one
 * another, and every shard forgets its expired ids (oldest expiry first, through a heap) before it
 * takes a new one, so the cost per token stays logarithmic however long the server runs. Capacity
 * is bounded: when every remembered id is still live the cache refuses new ones rather than
 * forgetting a live id, since forgetting would let that token be replayed.
 */
final class ReplayCache {
  /** What happened to a token id presented to the cache. */
  enum Outcome {
    FIRST_USE,
    REPLAYED,
    FULL
  }

  private static final int SHARDS = 16;

  /** Seconds an id is kept past its token's expiry, in case the clock steps back a little. */
  private static final long GRACE_SECONDS = 30;

  private final Shard[] shards = new Shard[SHARDS];

  ReplayCache(int capacity) {
    if (capacity < SHARDS) {
      throw new IllegalArgumentException("replay cache capacity must be at least " + SHARDS);
    }
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = new Shard(capacity / SHARDS);
    }
  }

  /** Records {@code id}, valid until {@code expiresAt} (epoch seconds), unless already seen. */
  Outcome record(String id, long expiresAt, long nowSeconds) {
    Shard shard = shards[(id.hashCode() & 0x7fffffff) % SHARDS];
    return shard.record(id, expiresAt, nowSeconds);
  }

  private static final class Shard {
    private record Pending(long forgetAfter, String id) {}

    private final int capacity;
    private final Map<String, Long> seen = new HashMap<>();
    private final PriorityQueue<Pending> byExpiry =
        new PriorityQueue<>((a, b) -> Long.compare(a.forgetAfter(), b.forgetAfter()));

    Shard(int capacity) {
      this.capacity = capacity;
    }

    synchronized Outcome record(String id, long expiresAt, long nowSeconds) {
      while (!byExpiry.isEmpty() && byExpiry.peek().forgetAfter() < nowSeconds) {
        seen.remove(byExpiry.poll().id());
      }
      if (seen.containsKey(id)) {
        return Outcome.REPLAYED;
      }
      if (seen.size() >= capacity) {
        return Outcome.FULL;
      }
      long forgetAfter = expiresAt + GRACE_SECONDS;
      seen.put(id, forgetAfter);
      byExpiry.add(new Pending(forgetAfter, id));
      return Outcome.FIRST_USE;
    }
  }
}
