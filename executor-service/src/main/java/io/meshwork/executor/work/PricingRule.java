package io.meshwork.executor.work;

import io.meshwork.runtime.config.Settings;

/**
 * How an executor prices a task: a base price plus a price per MiB of input, scaled up by how
 * loaded the executor is.
 *
 * <p>{@code price = ceil((base + per_mib * input_bytes / 2^20) * (1 + load_factor * load))}, from
 * settings {@code executor.price.base} (1), {@code executor.price.per-mib} (16) and {@code
 * executor.price.load-factor} (0.5). Load is (running + queued) / slots, so a busy executor bids
 * higher and work drifts to idle ones.
 */
public record PricingRule(double base, double perMib, double loadFactor) {
  /** The rule configured in {@code settings}. */
  public static PricingRule from(Settings settings) {
    return new PricingRule(
        settings.decimal("executor.price.base", 1),
        settings.decimal("executor.price.per-mib", 16),
        settings.decimal("executor.price.load-factor", 0.5));
  }

  /** The price in mana of a task of {@code inputBytes} at {@code load}. */
  public long price(long inputBytes, double load) {
    double raw = (base + perMib * inputBytes / (1 << 20)) * (1 + loadFactor * load);
    return Math.max(1, (long) Math.ceil(raw));
  }
}
