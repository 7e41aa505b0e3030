package io.meshwork.orchestrator.tasks;

import java.util.List;
import java.util.Optional;

/** Picks the winning bid for a task among the bids that are within its price. */
public interface BidSelectionPolicy {
  /** The winner, or empty when no bid is acceptable. */
  Optional<Bid> select(List<Bid> bids);

  /**
   * The cheapest bid wins; ties go to the less loaded executor, then to the executor that already
   * has the module compiled, then to the lower DID so the choice is deterministic.
   */
  static BidSelectionPolicy cheapest() {
    return bids ->
        bids.stream()
            .min(
                java.util.Comparator.<Bid>comparingLong(b -> b.offer().getPrice())
                    .thenComparingDouble(b -> b.offer().getCurrentLoad())
                    .thenComparing(b -> !b.offer().getModuleCached())
                    .thenComparing(b -> b.offer().getExecutorDid()));
  }
}
