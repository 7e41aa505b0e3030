package io.meshwork.ledger.core;

/**
 * The balances of one account, as the ledger holds them.
 *
 * @param did the owner's did:key, or {@link ManaLedger#MINT_ACCOUNT} for the system account
 * @param balance posted balance: mana the account owns, including what its open holds reserve
 * @param held mana reserved by the account's open holds
 * @param createdAt when the account was opened, epoch milliseconds
 */
public record Account(String did, long balance, long held, long createdAt) {
  /** What the account can spend or hold now: its balance less what is already held. */
  public long available() {
    return balance - held;
  }
}
