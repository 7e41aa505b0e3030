package io.meshwork.orchestrator.tasks;

/** An executor's bid for a task, with the executor that made it. */
record Bid(ExecutorHandle executor, Offer offer) {
  /** The bidder's DID. */
  String did() {
    return offer.executorDid();
  }

  /** The price bid. */
  long price() {
    return offer.price();
  }
}
