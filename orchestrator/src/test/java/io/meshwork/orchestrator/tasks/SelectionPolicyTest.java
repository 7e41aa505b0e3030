package io.meshwork.orchestrator.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionPolicyTest {
  private static Bid bid(String did, long price, float load, boolean cached) {
    return new Bid(null, new Offer(did, price, load, cached, 2));
  }

  private static List<SelectionPolicy.Judged> rank(
      SelectionPolicy policy, Map<String, Double> reputation, Bid... bids) {
    return policy.rank(List.of(bids), reputation::get, b -> b.offer().currentLoad());
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
    assertEquals("did:b", ranked.get(0).bid().did());
    List<Placement.BidVerdict> verdicts = policy.verdicts(ranked, ranked.get(0));
    assertTrue(verdicts.get(0).won());
    assertTrue(verdicts.get(0).reason().startsWith("lowest score"), verdicts.get(0).reason());
    assertEquals("did:c", verdicts.get(1).executorDid());
    assertTrue(verdicts.get(1).reason().contains("price 20 > 10 mana"), verdicts.get(1).reason());
    assertTrue(verdicts.get(2).reason().contains("price 30 > 10 mana"), verdicts.get(2).reason());
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
    assertEquals("did:proven", ranked.get(0).bid().did());
    String why = policy.lossReason(ranked.get(1), ranked.get(0));
    assertTrue(why.contains("reputation 0.17 < 0.95"), why);
  }

  @Test
  void loadBreaksEqualPricesAndTheModuleCacheBreaksFullTies() {
    SelectionPolicy policy = new SelectionPolicy(SelectionPolicy.Weights.defaults());
    var byLoad =
        rank(
            policy,
            Map.of("did:a", 0.5, "did:b", 0.5),
            bid("did:a", 10, 1.5f, true),
            bid("did:b", 10, 0, false));
    assertEquals("did:b", byLoad.get(0).bid().did());
    assertTrue(policy.lossReason(byLoad.get(1), byLoad.get(0)).contains("load 1.50 > 0.00"));
    var tied =
        rank(
            policy,
            Map.of("did:a", 0.5, "did:b", 0.5),
            bid("did:a", 10, 0, false),
            bid("did:b", 10, 0, true));
    assertEquals("did:b", tied.get(0).bid().did());
    assertTrue(policy.lossReason(tied.get(1), tied.get(0)).contains("has the module compiled"));
  }
}
