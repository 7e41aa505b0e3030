package io.meshwork.orchestrator.tasks;

/** An executor's bid for a task, with the executor that made it. */
public record Bid(ExecutorHandle executor, Offer offer) {
  /** The bidder's DID. */
  public String did() {
    return offer.executorDid();
  }

  /** The price bid. */
  public long price() {
    return offer.price();
  }
}
