package io.meshwork.executor.work;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How an executor prices a task: a base price plus a price per MiB of input weighted by the kind of
 * work, scaled up by how loaded the executor is.
 *
 * <p>{@code price = ceil((base + per_mib * weight(operation) * input_bytes / 2^20) * (1 +
 * load_factor * load))}, configured by the {@code executor.price.*} settings (see {@code
 * ExecutorSettings}); an operation without a weight weighs 1. Load is (running + queued) / slots,
 * so a busy executor bids higher and work drifts to idle ones.
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
}
