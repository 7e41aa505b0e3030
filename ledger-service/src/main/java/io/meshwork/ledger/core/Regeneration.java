package io.meshwork.ledger.core;

import java.math.BigInteger;
import java.time.Duration;

/**
 * How user accounts regain mana over time, as in ICN: {@code amount} mana per {@code interval},
 * while the account's balance is below {@code cap}.
 *
 * <p>Regeneration is computed, never ticked: each account keeps an anchor time and how much it was
 * paid since then, and whenever the ledger touches the account it credits {@code floor((now -
 * anchor) * amount / interval) - paid}, capped so the balance does not pass {@code cap}. Integer
 * arithmetic on those two numbers means no rounding ever accumulates: after any sequence of touches
 * the account has received exactly what the rate gives for the time it spent below the cap (a
 * fraction of a unit is lost only when the cap is reached). Each credit is a pair of entries, like
 * a mint, of kind {@link EntryKind#REGENERATE}.
 *
 * @param amount mana regained per interval; 0 turns regeneration off
 * @param interval the interval
 * @param cap regeneration stops while the balance is at or above this
 */
public record Regeneration(long amount, Duration interval, long cap) {
  /** Checks the values. */
  public Regeneration {
    if (amount < 0 || cap < 0) {
      throw new IllegalArgumentException("regeneration amount and cap must be >= 0");
    }
    if (amount > 0 && (interval.isNegative() || interval.toMillis() <= 0)) {
      throw new IllegalArgumentException("the regeneration interval must be at least 1 ms");
    }
  }

  /** No regeneration. */
  public static Regeneration off() {
    return new Regeneration(0, Duration.ofHours(1), 0);
  }

  /** Whether accounts regenerate at all. */
  public boolean enabled() {
    return amount > 0 && cap > 0;
  }

  /**
   * Where an account's regeneration stands.
   *
   * @param anchor the time, epoch milliseconds, from which regeneration is counted
   * @param paid mana credited since {@code anchor}
   */
  public record State(long anchor, long paid) {}

  /** Mana earned from {@code anchor} to {@code now}: {@code floor(elapsed * amount / interval)}. */
  long earned(long anchor, long now) {
    long elapsed = Math.max(0, now - anchor);
    long millis = interval.toMillis();
    long high = Math.multiplyHigh(elapsed, amount);
    if (high == 0 && elapsed * amount >= 0) {
      return elapsed * amount / millis;
    }
    return BigInteger.valueOf(elapsed)
        .multiply(BigInteger.valueOf(amount))
        .divide(BigInteger.valueOf(millis))
        .min(BigInteger.valueOf(Long.MAX_VALUE))
        .longValueExact();
  }

  /**
   * How much the account at {@code balance} may regain before reaching the cap: {@code cap -
   * balance}, or {@link Long#MAX_VALUE} when that is more than a long holds (a balance far below
   * zero, which a negative floor allows).
   */
  long room(long balance) {
    return balance >= cap ? 0 : saturatedDifference(cap, balance);
  }

  /** {@code a - b}, or {@link Long#MAX_VALUE} when the difference is larger than a long holds. */
  static long saturatedDifference(long a, long b) {
    long difference = a - b;
    // Overflow happened exactly when a and b have opposite signs and the result took b's sign.
    if (((a ^ b) & (a ^ difference)) < 0) {
      return a >= 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return difference;
  }

  /**
   * The state after paying {@code credit} more, with whole intervals folded into the anchor so the
   * numbers stay small; {@code earned} is unchanged by the folding.
   */
  State paid(State s, long credit) {
    long paid = s.paid() + credit;
    long whole = paid / amount;
    return new State(s.anchor() + whole * interval.toMillis(), paid - whole * amount);
  }
}
