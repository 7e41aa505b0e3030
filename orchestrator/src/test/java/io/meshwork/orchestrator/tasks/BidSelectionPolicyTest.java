package io.meshwork.orchestrator.tasks;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.mesh.v1.JobBidV1;
import java.util.List;
import org.junit.jupiter.api.Test;

class BidSelectionPolicyTest {
  private final BidSelectionPolicy policy = BidSelectionPolicy.cheapest();

  /** The policy looks only at the offer, so no executor handle is needed. */
  private static Bid bid(String did, long price, float load, boolean cached) {
    return new Bid(
        null,
        JobBidV1.newBuilder()
            .setJobId("job:0")
            .setExecutorDid(did)
            .setPrice(price)
            .setCurrentLoad(load)
            .setModuleCached(cached)
            .build());
  }

  @Test
  void lowestPriceWins() {
    Bid cheap = bid("did:key:zC", 3, 0.9f, false);
    List<Bid> bids = List.of(bid("did:key:zA", 5, 0f, true), cheap, bid("did:key:zB", 4, 0f, true));

    assertSame(cheap, policy.select(bids).orElseThrow());
  }

  @Test
  void equalPriceGoesToTheLessLoadedExecutor() {
    Bid idle = bid("did:key:zB", 5, 0.1f, false);
    List<Bid> bids = List.of(bid("did:key:zA", 5, 0.5f, true), idle);

    assertSame(idle, policy.select(bids).orElseThrow());
  }

  @Test
  void equalPriceAndLoadGoesToTheExecutorWithTheModuleCached() {
    Bid cached = bid("did:key:zB", 5, 0.5f, true);
    List<Bid> bids = List.of(bid("did:key:zA", 5, 0.5f, false), cached);

    assertSame(cached, policy.select(bids).orElseThrow());
  }

  @Test
  void fullTieGoesToTheLowerDid() {
    Bid lower = bid("did:key:zA", 5, 0.5f, true);
    Bid higher = bid("did:key:zB", 5, 0.5f, true);

    assertSame(lower, policy.select(List.of(higher, lower)).orElseThrow());
    assertSame(lower, policy.select(List.of(lower, higher)).orElseThrow());
  }

  @Test
  void noBidsSelectNothing() {
    assertTrue(policy.select(List.of()).isEmpty());
  }
}
