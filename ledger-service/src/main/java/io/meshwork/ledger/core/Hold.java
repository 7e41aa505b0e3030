package io.meshwork.ledger.core;

/**
 * Mana reserved from a payer for one job, paid out by posts and closed exactly once.
 *
 * @param holdId the id the ledger assigned
 * @param payerDid the account the mana is reserved from
 * @param amount mana reserved at creation
 * @param posted mana paid out of the hold so far
 * @param state where the hold is in its life
 * @param jobId the job it pays for
 * @param memo why it was created
 * @param createdAt when it was created, epoch milliseconds
 * @param expiresAt when it expires if still pending, epoch milliseconds
 * @param closedAt when it was closed, epoch milliseconds; 0 while pending
 * @param creatorDid the orchestrator that created it, which alone may post or void it and may read
 *     what concerns its job; empty for a hold created before the ledger recorded creators, or by
 *     the ledger's own in-process callers
 */
public record Hold(
    String holdId,
    String payerDid,
    long amount,
    long posted,
    HoldState state,
    String jobId,
    String memo,
    long createdAt,
    long expiresAt,
    long closedAt,
    String creatorDid) {

  /** What can still be posted: the unposted amount while pending, 0 once closed. */
  public long remaining() {
    return state == HoldState.PENDING ? amount - posted : 0;
  }

  /**
   * Whether {@code did} may post or void this hold: it created it, or the hold predates recorded
   * creators.
   */
  public boolean mayBeSettledBy(String did) {
    return creatorDid.isEmpty() || creatorDid.equals(did);
  }

  /** Whether the hold is pending and its expiry time has come at {@code nowMillis}. */
  public boolean isDue(long nowMillis) {
    return state == HoldState.PENDING && expiresAt <= nowMillis;
  }

  Hold withPosted(long newPosted) {
    return new Hold(
        holdId,
        payerDid,
        amount,
        newPosted,
        state,
        jobId,
        memo,
        createdAt,
        expiresAt,
        closedAt,
        creatorDid);
  }

  Hold expiringAt(long newExpiresAt) {
    return new Hold(
        holdId,
        payerDid,
        amount,
        posted,
        state,
        jobId,
        memo,
        createdAt,
        newExpiresAt,
        closedAt,
        creatorDid);
  }

  Hold closed(HoldState newState, long atMillis) {
    return new Hold(
        holdId,
        payerDid,
        amount,
        posted,
        newState,
        jobId,
        memo,
        createdAt,
        expiresAt,
        atMillis,
        creatorDid);
  }
}
