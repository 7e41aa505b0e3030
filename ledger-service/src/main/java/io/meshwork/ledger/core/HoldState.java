package io.meshwork.ledger.core;

/** Where a hold is in its life: open, or closed in one of three ways. */
public enum HoldState {
  /** Open: mana is reserved and posts are possible. */
  PENDING,
  /** Closed by a final post, or by a post that used up the whole hold. */
  POSTED,
  /** Closed by a void; what remained went back to the payer. */
  VOIDED,
  /** Closed by its timeout; what remained went back to the payer. */
  EXPIRED
}
