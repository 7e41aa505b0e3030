package io.meshwork.orchestrator.tasks;

import io.meshwork.compute.v1.BidVerdict;
import io.meshwork.runtime.config.Settings;
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

  /** A policy with these weights. */
  public SelectionPolicy(double priceWeight, double reputationWeight, double loadWeight) {
    this.priceWeight = priceWeight;
    this.reputationWeight = reputationWeight;
    this.loadWeight = loadWeight;
  }

  /** The policy the settings configure. */
  public static SelectionPolicy from(Settings s) {
    return new SelectionPolicy(
        s.decimal("orchestrator.selection.price-weight", 1.0),
        s.decimal("orchestrator.selection.reputation-weight", 1.0),
        s.decimal("orchestrator.selection.load-weight", 0.5));
  }

  /** A bid as the policy judged it. */
  public record Judged(Bid bid, double reputation, double load, double score) {
    String did() {
      return bid.offer().getExecutorDid();
    }

    long price() {
      return bid.offer().getPrice();
    }
  }

  /**
   * The bids, best first.
   *
   * @param reputation the orchestrator's reputation of an executor, by DID
   * @param load the live load of a bid's executor
   */
  public List<Judged> rank(
      List<Bid> bids, ToDoubleFunction<String> reputation, ToDoubleFunction<Bid> load) {
    long highest = bids.stream().mapToLong(b -> b.offer().getPrice()).max().orElse(0);
    List<Judged> judged = new ArrayList<>();
    for (Bid b : bids) {
      double rep = reputation.applyAsDouble(b.offer().getExecutorDid());
      double l = load.applyAsDouble(b);
      double price = highest == 0 ? 0 : (double) b.offer().getPrice() / highest;
      double score =
          priceWeight * price + reputationWeight * (1 - rep) + loadWeight * Math.min(l, 4) / 4;
      judged.add(new Judged(b, rep, l, score));
    }
    judged.sort(
        Comparator.comparingDouble(Judged::score)
            .thenComparing(j -> !j.bid().offer().getModuleCached())
            .thenComparing(Judged::did));
    return judged;
  }

  /** Why {@code winner} was chosen among {@code count} bids. */
  public String winReason(Judged winner, int count) {
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
  public String lossReason(Judged loser, Judged winner) {
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
                    + (winner.bid().offer().getModuleCached()
                            && !loser.bid().offer().getModuleCached()
                        ? "has the module compiled"
                        : "comes first by DID")
                : "higher score")
            : String.join(", ", worse);
    return String.format(Locale.ROOT, "score %.3f vs %.3f: %s", loser.score(), winner.score(), why);
  }

  /** The verdicts for an explanation: the winner's first. */
  public List<BidVerdict> verdicts(List<Judged> ranked, Judged winner) {
    List<BidVerdict> out = new ArrayList<>();
    for (Judged j : ranked) {
      boolean won = j == winner;
      out.add(
          BidVerdict.newBuilder()
              .setExecutorDid(j.did())
              .setPrice(j.price())
              .setReputation(j.reputation())
              .setLoad(j.load())
              .setScore(j.score())
              .setWon(won)
              .setReason(won ? winReason(j, ranked.size()) : lossReason(j, winner))
              .build());
    }
    return out;
  }
}
