package io.meshwork.executor.work;

import io.meshwork.runtime.config.Settings;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How an executor prices a task: a base price plus a price per MiB of input weighted by the kind of
 * work, scaled up by how loaded the executor is.
 *
 * <p>{@code price = ceil((base + per_mib * weight(operation) * input_bytes / 2^20) * (1 +
 * load_factor * load))}, from settings {@code executor.price.base} (1), {@code
 * executor.price.per-mib} (16), {@code executor.price.load-factor} (0.5) and {@code
 * executor.price.weights} (none: every operation weighs 1), a list like {@code matmul=8,sha256=2}.
 * Load is (running + queued) / slots, so a busy executor bids higher and work drifts to idle ones.
 *
 * <p>The price depends only on what the announcement says and on load, never on how fast this
 * machine happens to be, so executors with the same settings bid the same for the same task.
 */
public record PricingRule(
    double base, double perMib, double loadFactor, Map<String, Double> weights) {

  /** Copies the weights, with their operation names lower-cased. */
  public PricingRule {
    Map<String, Double> copy = new LinkedHashMap<>();
    weights.forEach((op, w) -> copy.put(op.toLowerCase(Locale.ROOT), w));
    weights = Map.copyOf(copy);
  }

  /** A rule where every operation weighs 1. */
  public PricingRule(double base, double perMib, double loadFactor) {
    this(base, perMib, loadFactor, Map.of());
  }

  /** The rule configured in {@code settings}. */
  public static PricingRule from(Settings settings) {
    return new PricingRule(
        settings.decimal("executor.price.base", 1),
        settings.decimal("executor.price.per-mib", 16),
        settings.decimal("executor.price.load-factor", 0.5),
        parseWeights(settings.string("executor.price.weights", "")));
  }

  /** The weight of {@code operationType}: as configured, else 1. */
  public double weight(String operationType) {
    return weights.getOrDefault(operationType.toLowerCase(Locale.ROOT), 1.0);
  }

  /** The price in mana of a task of {@code inputBytes} of any operation at {@code load}. */
  public long price(long inputBytes, double load) {
    return price(inputBytes, "", load);
  }

  /** The price in mana of a task of {@code inputBytes} of {@code operationType} at {@code load}. */
  public long price(long inputBytes, String operationType, double load) {
    double raw =
        (base + perMib * weight(operationType) * inputBytes / (1 << 20)) * (1 + loadFactor * load);
    return Math.max(1, (long) Math.ceil(raw));
  }

  private static Map<String, Double> parseWeights(String list) {
    Map<String, Double> weights = new LinkedHashMap<>();
    for (String item : list.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "executor.price.weights: \"" + item.trim() + "\" is not operation=weight");
      }
      String op = item.substring(0, eq).trim();
      double weight;
      try {
        weight = Double.parseDouble(item.substring(eq + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "executor.price.weights: the weight of " + op + " is not a number", e);
      }
      if (!(weight > 0)) {
        throw new IllegalArgumentException(
            "executor.price.weights: the weight of " + op + " must be positive");
      }
      weights.put(op, weight);
    }
    return weights;
  }
}
