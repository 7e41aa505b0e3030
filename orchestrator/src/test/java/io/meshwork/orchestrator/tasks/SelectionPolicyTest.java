package io.meshwork.orchestrator.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.compute.v1.BidVerdict;
import io.meshwork.mesh.v1.JobBidV1;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionPolicyTest {
  private static Bid bid(String did, long price, float load, boolean cached) {
    return new Bid(
        null,
        JobBidV1.newBuilder()
            .setExecutorDid(did)
            .setPrice(price)
            .setCurrentLoad(load)
            .setModuleCached(cached)
            .setTaskSlots(2)
            .build());
  }

  private static List<SelectionPolicy.Judged> rank(
      SelectionPolicy policy, Map<String, Double> reputation, Bid... bids) {
    return policy.rank(List.of(bids), reputation::get, b -> b.offer().getCurrentLoad());
  }

  @Test
  void withPriceAloneTheCheapestWinsAndTheOthersAreToldWhy() {
    SelectionPolicy policy = new SelectionPolicy(1, 0, 0);
    var ranked =
        rank(
            policy,
            Map.of("did:a", 0.5, "did:b", 0.5, "did:c", 0.5),
            bid("did:a", 30, 0, false),
            bid("did:b", 10, 0, false),
            bid("did:c", 20, 0, false));
    assertEquals("did:b", ranked.get(0).bid().offer().getExecutorDid());
    List<BidVerdict> verdicts = policy.verdicts(ranked, ranked.get(0));
    assertTrue(verdicts.get(0).getWon());
    assertTrue(verdicts.get(0).getReason().startsWith("lowest score"), verdicts.get(0).getReason());
    assertEquals("did:c", verdicts.get(1).getExecutorDid());
    assertTrue(
        verdicts.get(1).getReason().contains("price 20 > 10 mana"), verdicts.get(1).getReason());
    assertTrue(
        verdicts.get(2).getReason().contains("price 30 > 10 mana"), verdicts.get(2).getReason());
  }

  @Test
  void reputationOutweighsASmallPriceDifference() {
    SelectionPolicy policy = new SelectionPolicy(1, 1, 0.5);
    var ranked =
        rank(
            policy,
            Map.of("did:cheap-liar", 0.17, "did:proven", 0.95),
            bid("did:cheap-liar", 9, 0, true),
            bid("did:proven", 10, 0, true));
    assertEquals("did:proven", ranked.get(0).bid().offer().getExecutorDid());
    String why = policy.lossReason(ranked.get(1), ranked.get(0));
    assertTrue(why.contains("reputation 0.17 < 0.95"), why);
  }

  @Test
  void loadBreaksEqualPricesAndTheModuleCacheBreaksFullTies() {
    SelectionPolicy policy =
        SelectionPolicy.from(new io.meshwork.runtime.config.MapSettings(Map.of()));
    var byLoad =
        rank(
            policy,
            Map.of("did:a", 0.5, "did:b", 0.5),
            bid("did:a", 10, 1.5f, true),
            bid("did:b", 10, 0, false));
    assertEquals("did:b", byLoad.get(0).bid().offer().getExecutorDid());
    assertTrue(policy.lossReason(byLoad.get(1), byLoad.get(0)).contains("load 1.50 > 0.00"));
    var tied =
        rank(
            policy,
            Map.of("did:a", 0.5, "did:b", 0.5),
            bid("did:a", 10, 0, false),
            bid("did:b", 10, 0, true));
    assertEquals("did:b", tied.get(0).bid().offer().getExecutorDid());
    assertTrue(policy.lossReason(tied.get(1), tied.get(0)).contains("has the module compiled"));
  }
}
