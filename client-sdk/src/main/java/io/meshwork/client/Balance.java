package io.meshwork.client;

import io.meshwork.ledger.v1.Account;
import io.meshwork.ledger.v1.Hold;
import io.meshwork.ledger.v1.Regeneration;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A mana account as its owner wants to read it: the balances, the pending holds that make up what
 * is held, and how the account regains mana over time.
 *
 * <p>The balance getters carry the names of the ledger's {@code Account} message, which {@link
 * MeshClient#balance()} used to return, so code written against it reads the same.
 *
 * @param account the balances: posted balance, held, available, and the floor
 * @param pendingHolds the account's pending holds, oldest first (the ledger returns at most 100)
 * @param regeneration the ledger's regeneration rule, the same for every account
 */
public record Balance(Account account, List<Hold> pendingHolds, Regeneration regeneration) {
  /** Checks and copies the parts. */
  public Balance {
    Objects.requireNonNull(account, "account");
    pendingHolds = List.copyOf(pendingHolds);
    Objects.requireNonNull(regeneration, "regeneration");
  }

  /** The owner's did:key. */
  public String getDid() {
    return account.getDid();
  }

  /** Posted balance: the mana the account owns, including what is held. */
  public long getBalance() {
    return account.getBalance();
  }

  /** Mana reserved by pending holds for running jobs. */
  public long getHeld() {
    return account.getHeld();
  }

  /** What the account can spend or hold now: balance less held. */
  public long getAvailable() {
    return account.getAvailable();
  }

  /** The least {@link #getAvailable()} may be (0 unless the operator set another). */
  public long getFloor() {
    return account.getFloor();
  }

  /** Whether the ledger regenerates mana at all. */
  public boolean regenerationEnabled() {
    return regeneration.getAmount() > 0 && regeneration.getCap() > 0;
  }

  /** Whether this account is regaining mana now: regeneration is on and it is below the cap. */
  public boolean regenerating() {
    return regenerationEnabled() && account.getBalance() < regeneration.getCap();
  }

  /**
   * At most how long until the next unit of mana regenerates, while {@link #regenerating()}. Units
   * arrive evenly, one every {@code interval / amount}; the ledger does not say how far into the
   * current one the account is, so this is the whole spacing, rounded up to the millisecond.
   */
  public Optional<Duration> nextUnitWithin() {
    if (!regenerating()) {
      return Optional.empty();
    }
    long interval = regeneration.getIntervalMs();
    long amount = regeneration.getAmount();
    return Optional.of(Duration.ofMillis(Math.max(1, (interval + amount - 1) / amount)));
  }

  /**
   * About how long until regeneration brings the balance up to the cap, while {@link
   * #regenerating()} and nothing else changes it (exact to within one unit's spacing).
   */
  public Optional<Duration> fullIn() {
    if (!regenerating()) {
      return Optional.empty();
    }
    long missing = regeneration.getCap() - account.getBalance();
    double millis = (double) missing * regeneration.getIntervalMs() / regeneration.getAmount();
    return Optional.of(Duration.ofMillis((long) Math.ceil(Math.min(millis, Long.MAX_VALUE))));
  }
}
