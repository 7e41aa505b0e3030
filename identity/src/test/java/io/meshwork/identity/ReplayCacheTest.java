package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplayCacheTest {
  private static final long NOW = 1_000_000;

  @Test
  void aCallerCannotAimItsIdsAtOneShard() {
    // The shard of an id depends on a secret each cache draws, so the same ids land differently.
    ReplayCache one = new ReplayCache(ReplayLimits.USERS);
    ReplayCache other = new ReplayCache(ReplayLimits.USERS);
    int moved = 0;
    for (int i = 0; i < 64; i++) {
      if (one.shardOf("did:key:z6MkCaller", "jti-" + i)
          != other.shardOf("did:key:z6MkCaller", "jti-" + i)) {
        moved++;
      }
    }
    assertTrue(moved > 0, "two caches placed 64 ids in the same shards");
  }

  @Test
  void aCallersCountFollowsItsLiveIdsAndEndsWithThem() {
    ReplayCache cache = new ReplayCache(new ReplayLimits(1600, 3));
    assertEquals(ReplayCache.Outcome.FIRST_USE, cache.record("a", "1", NOW + 10, NOW));
    assertEquals(ReplayCache.Outcome.REPLAYED, cache.record("a", "1", NOW + 10, NOW));
    assertEquals(ReplayCache.Outcome.FIRST_USE, cache.record("a", "2", NOW + 10, NOW));
    assertEquals(ReplayCache.Outcome.FIRST_USE, cache.record("a", "3", NOW + 10, NOW));
    assertEquals(ReplayCache.Outcome.OVER_QUOTA, cache.record("a", "4", NOW + 10, NOW));
    // A refused id was not taken: the quota counts only what is remembered.
    assertEquals(3, cache.liveIdsOf("a", NOW));
    assertEquals(ReplayCache.Outcome.FIRST_USE, cache.record("b", "1", NOW + 10, NOW));

    // Past expiry and grace, the caller's whole quota is free again, wherever its ids were kept:
    // expired ids in shards the new ones do not land in are swept before anyone is refused.
    long later = NOW + 10 + 31;
    assertEquals(ReplayCache.Outcome.FIRST_USE, cache.record("a", "4", later + 10, later));
    assertEquals(1, cache.liveIdsOf("a", later));
    assertEquals(ReplayCache.Outcome.FIRST_USE, cache.record("a", "5", later + 10, later));
    assertEquals(ReplayCache.Outcome.FIRST_USE, cache.record("a", "6", later + 10, later));
    assertEquals(ReplayCache.Outcome.OVER_QUOTA, cache.record("a", "7", later + 10, later));
    assertEquals(3, cache.liveIdsOf("a", later));
  }
}
