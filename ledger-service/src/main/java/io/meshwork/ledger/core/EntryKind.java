package io.meshwork.ledger.core;

/** What a history entry records. */
public enum EntryKind {
  /** Mana created: the system account goes down, the credited account up. */
  MINT,
  /** Mana reserved by a hold: moves from available to held, the balance is unchanged. */
  HOLD,
  /** Mana paid from a hold: the payer's balance and held go down, the payee's balance up. */
  POST,
  /** What a hold had left, returned to its payer by a void or a final post. */
  RELEASE,
  /** What a hold had left, returned to its payer because its timeout passed. */
  EXPIRE,
  /** Mana moved at once from one account to another, without a hold. */
  TRANSFER,
  /** Mana regained over time (see {@link Regeneration}): created like a mint. */
  REGENERATE
}
