package io.meshwork.ledger.core;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger's totals at one consistent point in time, and the invariants they must satisfy.
 *
 * <p>The invariants, which {@link #violations()} checks:
 *
 * <ol>
 *   <li>Conservation: the user accounts' balances add up to what was minted, because the system
 *       account went negative by exactly that much (every entry pair sums to zero).
 *   <li>Holds are accounted for: the accounts' held amounts add up to what the pending holds still
 *       reserve.
 *   <li>Floor: no user account has less available than the floor (balance - held).
 *   <li>History replays: each account's entries add up to its balance and its held amount.
 *   <li>Holds are sane: no hold has posted less than zero or more than its amount.
 * </ol>
 *
 * <p>The totals are exact integers rather than longs: each balance fits in a long, but a sum of
 * many need not (several accounts may hold nearly {@link Long#MAX_VALUE} each, and all that was
 * ever minted may itself be {@code 2^63}).
 *
 * @param minted mana ever minted (the negated balance of the system account)
 * @param userBalances sum of the balances of all accounts but the system account
 * @param held sum of the held amounts of all accounts
 * @param pendingHoldRemaining sum of what the pending holds still reserve
 * @param accounts number of user accounts
 * @param accountsBelowFloor user accounts whose available mana is below the floor
 * @param accountsOffTheirEntries accounts whose entries do not add up to their balances
 * @param inconsistentHolds holds with a posted amount outside {@code [0, amount]}
 */
public record LedgerAudit(
    BigInteger minted,
    BigInteger userBalances,
    BigInteger held,
    BigInteger pendingHoldRemaining,
    long accounts,
    long accountsBelowFloor,
    long accountsOffTheirEntries,
    long inconsistentHolds) {

  /** The broken invariants, each as a sentence; empty when the ledger is sound. */
  public List<String> violations() {
    List<String> broken = new ArrayList<>();
    if (!userBalances.equals(minted)) {
      broken.add("user balances add up to " + userBalances + " but " + minted + " was minted");
    }
    if (!held.equals(pendingHoldRemaining)) {
      broken.add("accounts hold " + held + " but pending holds reserve " + pendingHoldRemaining);
    }
    if (accountsBelowFloor != 0) {
      broken.add(accountsBelowFloor + " account(s) are below the floor");
    }
    if (accountsOffTheirEntries != 0) {
      broken.add(accountsOffTheirEntries + " account(s) do not match the sum of their entries");
    }
    if (inconsistentHolds != 0) {
      broken.add(inconsistentHolds + " hold(s) have posted outside [0, amount]");
    }
    return broken;
  }

  /** Whether every invariant holds. */
  public boolean isSound() {
    return violations().isEmpty();
  }

  /** Throws {@link IllegalStateException} listing the broken invariants, if any. */
  public void check() {
    List<String> broken = violations();
    if (!broken.isEmpty()) {
      throw new IllegalStateException("ledger invariants broken: " + String.join("; ", broken));
    }
  }
}
