package io.meshwork.ledger.core;

import java.math.BigInteger;

/**
 * The balances of one account, as the ledger holds them.
 *
 * <p>Each figure fits in a long, but a sum or difference of them need not: with a negative floor an
 * account may hold more than it owns, so {@code balance - held - amount} can pass {@link
 * Long#MIN_VALUE} even though every figure stored is in range. The comparisons here are therefore
 * exact for every value, and nothing the ledger decides ever rests on a wrapped subtraction.
 *
 * @param did the owner's did:key, or {@link ManaLedger#MINT_ACCOUNT} for the system account
 * @param balance posted balance: mana the account owns, including what its open holds reserve
 * @param held mana reserved by the account's open holds
 * @param createdAt when the account was opened, epoch milliseconds
 */
public record Account(String did, long balance, long held, long createdAt) {
  /**
   * What the account can spend or hold now: its balance less what is already held.
   *
   * @throws ArithmeticException when that does not fit in a long, which the floor rule (available
   *     at least the floor, itself a long) rules out for every user account the ledger wrote
   */
  public long available() {
    return Math.subtractExact(balance, held);
  }

  /** Whether {@code amount} more may leave the account without its available going below floor. */
  public boolean canSpend(long amount, long floor) {
    try {
      return Math.subtractExact(Math.subtractExact(balance, held), amount) >= floor;
    } catch (ArithmeticException beyondLong) {
      // Only near the ends of the range; the exact difference decides there.
      return BigInteger.valueOf(balance)
              .subtract(BigInteger.valueOf(held))
              .subtract(BigInteger.valueOf(amount))
              .compareTo(BigInteger.valueOf(floor))
          >= 0;
    }
  }

  /** Whether the account breaks the floor rule: something held below zero, or available < floor. */
  public boolean isBelow(long floor) {
    return held < 0 || !canSpend(0, floor);
  }
}
