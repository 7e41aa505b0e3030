package io.meshwork.orchestrator.tasks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Ranks the bids for a task by a weighted score of price, reputation and live load; the lowest
 * score wins:
 *
 * <pre>
 *   score = w_price x price / highest price among the bids
 *         + w_reputation x (1 - reputation)
 *         + w_load x min(load, 4) / 4
 * </pre>
 *
 * <p>Each term lies in [0, 1]. Reputation is this orchestrator's own verified record of the
 * executor (never what the executor says of itself); load is the executor's reported load or, when
 * higher, this orchestrator's count of its tasks in flight there over the executor's slots, so that
 * a burst of auctions does not pile onto the executor that looked idle to all of them at once. Ties
 * go to the executor that has the module compiled, then to the lower DID, so that the choice is
 * deterministic. Weights: {@code orchestrator.selection.price-weight} (1.0), {@code
 * .reputation-weight} (1.0), {@code .load-weight} (0.5).
 */
public final class SelectionPolicy {
  private final double priceWeight;
  private final double reputationWeight;
  private final double loadWeight;

  /** The weights of the three terms. */
  public record Weights(double price, double reputation, double load) {
    /** 1.0, 1.0 and 0.5. */
    public static Weights defaults() {
      return new Weights(1.0, 1.0, 0.5);
    }
  }

  /** A policy with these weights. */
  public SelectionPolicy(Weights weights) {
    this(weights.price(), weights.reputation(), weights.load());
  }

  /** A policy with these weights. */
  public SelectionPolicy(double priceWeight, double reputationWeight, double loadWeight) {
    this.priceWeight = priceWeight;
    this.reputationWeight = reputationWeight;
    this.loadWeight = loadWeight;
  }

  /** A bid as the policy judged it. */
  record Judged(Bid bid, double reputation, double load, double score) {
    String did() {
      return bid.did();
    }

    long price() {
      return bid.price();
    }
  }

  /**
   * The bids, best first.
   *
   * @param reputation the orchestrator's reputation of an executor, by DID
   * @param load the live load of a bid's executor
   */
  List<Judged> rank(
      List<Bid> bids, ToDoubleFunction<String> reputation, ToDoubleFunction<Bid> load) {
    long highest = bids.stream().mapToLong(Bid::price).max().orElse(0);
    List<Judged> judged = new ArrayList<>();
    for (Bid b : bids) {
      double rep = reputation.applyAsDouble(b.did());
      double l = load.applyAsDouble(b);
      double price = highest == 0 ? 0 : (double) b.price() / highest;
      double score =
          priceWeight * price + reputationWeight * (1 - rep) + loadWeight * Math.min(l, 4) / 4;
      judged.add(new Judged(b, rep, l, score));
    }
    judged.sort(
        Comparator.comparingDouble(Judged::score)
            .thenComparing(j -> !j.bid().offer().moduleCached())
            .thenComparing(Judged::did));
    return judged;
  }

  /** Why {@code winner} was chosen among {@code count} bids. */
  String winReason(Judged winner, int count) {
    return String.format(
        Locale.ROOT,
        "lowest score %.3f of %d bid%s (price %d mana, reputation %.2f, load %.2f; weights:"
            + " price %.1f, reputation %.1f, load %.1f)",
        winner.score(),
        count,
        count == 1 ? "" : "s",
        winner.price(),
        winner.reputation(),
        winner.load(),
        priceWeight,
        reputationWeight,
        loadWeight);
  }

  /** Why {@code loser} lost to {@code winner}: the terms on which it was worse. */
  String lossReason(Judged loser, Judged winner) {
    List<String> worse = new ArrayList<>();
    if (loser.price() > winner.price()) {
      worse.add("price " + loser.price() + " > " + winner.price() + " mana");
    }
    if (loser.reputation() < winner.reputation()) {
      worse.add(
          String.format(
              Locale.ROOT, "reputation %.2f < %.2f", loser.reputation(), winner.reputation()));
    }
    if (loser.load() > winner.load()) {
      worse.add(String.format(Locale.ROOT, "load %.2f > %.2f", loser.load(), winner.load()));
    }
    String why =
        worse.isEmpty()
            ? (loser.score() == winner.score()
                ? "tied, and the winner "
                    + (winner.bid().offer().moduleCached() && !loser.bid().offer().moduleCached()
                        ? "has the module compiled"
                        : "comes first by DID")
                : "higher score")
            : String.join(", ", worse);
    return String.format(Locale.ROOT, "score %.3f vs %.3f: %s", loser.score(), winner.score(), why);
  }

  /** The verdicts for an explanation: the winner's first. */
  List<Placement.BidVerdict> verdicts(List<Judged> ranked, Judged winner) {
    List<Placement.BidVerdict> out = new ArrayList<>();
    for (Judged j : ranked) {
      boolean won = j == winner;
      out.add(
          new Placement.BidVerdict(
              j.did(),
              j.price(),
              j.reputation(),
              j.load(),
              j.score(),
              won,
              won ? winReason(j, ranked.size()) : lossReason(j, winner)));
    }
    return out;
  }
}
