package io.meshwork.ledger.core;

import io.meshwork.runtime.errors.MeshException;

/**
 * The ledger's refusals: stable reason codes that callers may branch on, and the exceptions that
 * carry them with the values that explain them.
 */
public final class LedgerErrors {
  /** A hold asked for more than the payer has available. */
  public static final String INSUFFICIENT_MANA = "INSUFFICIENT_MANA";

  /** The hold was already closed by a final post (or a post that used it up). */
  public static final String HOLD_ALREADY_POSTED = "HOLD_ALREADY_POSTED";

  /** The hold was already closed by a void. */
  public static final String HOLD_ALREADY_VOIDED = "HOLD_ALREADY_VOIDED";

  /** The hold was closed by its timeout. */
  public static final String HOLD_EXPIRED = "HOLD_EXPIRED";

  /** A post asked for more than the hold has left. */
  public static final String AMOUNT_EXCEEDS_HOLD = "AMOUNT_EXCEEDS_HOLD";

  /** A request id was used before for a request with different content. */
  public static final String REQUEST_ID_REUSED = "REQUEST_ID_REUSED";

  /** No account exists for the DID (and development grants are off). */
  public static final String ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND";

  /** No hold has that id. */
  public static final String HOLD_NOT_FOUND = "HOLD_NOT_FOUND";

  /** A balance or held amount would leave the range of a 64-bit integer. */
  public static final String AMOUNT_TOO_LARGE = "AMOUNT_TOO_LARGE";

  /** One operation asked to move more than {@code ledger.max-amount}. */
  public static final String AMOUNT_ABOVE_MAX = "AMOUNT_ABOVE_MAX";

  /** The setting that bounds one operation's amount, named in {@link #AMOUNT_ABOVE_MAX}. */
  public static final String MAX_AMOUNT_SETTING = "ledger.max-amount";

  /** An orchestrator posted or voided a hold another orchestrator created. */
  public static final String NOT_HOLD_CREATOR = "NOT_HOLD_CREATOR";

  /** A field of the request is missing or out of range. */
  public static final String INVALID_FIELD = "INVALID_FIELD";

  private LedgerErrors() {}

  /** A bad request field, named in the message and in the {@code field} metadata. */
  public static MeshException invalidField(String field, String problem) {
    return MeshException.invalidArgument(INVALID_FIELD, field + " " + problem).with("field", field);
  }

  static MeshException insufficientMana(String did, long available, long requested) {
    return MeshException.failedPrecondition(
            INSUFFICIENT_MANA,
            did + " has " + available + " mana available but " + requested + " was requested")
        .with("did", did)
        .with("available", available)
        .with("requested", requested);
  }

  static MeshException holdClosed(Hold hold) {
    String reason =
        switch (hold.state()) {
          case POSTED -> HOLD_ALREADY_POSTED;
          case VOIDED -> HOLD_ALREADY_VOIDED;
          case EXPIRED -> HOLD_EXPIRED;
          case PENDING -> throw new IllegalArgumentException("hold " + hold.holdId() + " is open");
        };
    String how =
        switch (hold.state()) {
          case POSTED -> "was already posted";
          case VOIDED -> "was already voided";
          default -> "expired";
        };
    return MeshException.failedPrecondition(reason, "hold " + hold.holdId() + " " + how)
        .with("hold_id", hold.holdId())
        .with("state", hold.state())
        .with("closed_at", hold.closedAt());
  }

  static MeshException amountExceedsHold(Hold hold, long requested) {
    return MeshException.failedPrecondition(
            AMOUNT_EXCEEDS_HOLD,
            "hold "
                + hold.holdId()
                + " has "
                + hold.remaining()
                + " mana left but "
                + requested
                + " was requested")
        .with("hold_id", hold.holdId())
        .with("remaining", hold.remaining())
        .with("requested", requested);
  }

  static MeshException requestIdReused(String requestId, String firstOperation) {
    return new MeshException(
            MeshException.Kind.ALREADY_EXISTS,
            REQUEST_ID_REUSED,
            "request_id "
                + requestId
                + " was already used by a "
                + firstOperation
                + " request with different content")
        .with("request_id", requestId)
        .with("first_operation", firstOperation);
  }

  static MeshException accountNotFound(String did) {
    return MeshException.notFound(ACCOUNT_NOT_FOUND, "no account exists for " + did)
        .with("did", did);
  }

  static MeshException holdNotFound(String holdId) {
    return MeshException.notFound(HOLD_NOT_FOUND, "no hold has the id " + holdId)
        .with("hold_id", holdId);
  }

  static MeshException notHoldCreator(Hold hold, String caller) {
    return MeshException.permissionDenied(
            NOT_HOLD_CREATOR,
            "the hold "
                + hold.holdId()
                + " was created by "
                + hold.creatorDid()
                + "; only it may post or void the hold, not "
                + caller)
        .with("hold_id", hold.holdId())
        .with("creator", hold.creatorDid())
        .with("caller", caller);
  }

  /**
   * A change that would take {@code did}'s {@code what} ("balance" or "held") from {@code current}
   * past the range of a long by {@code delta}: refused rather than wrapped around.
   */
  static MeshException amountTooLarge(String did, String what, long current, long delta) {
    String message =
        did.equals(ManaLedger.MINT_ACCOUNT)
            ? "the ledger cannot create "
                + Math.abs(delta)
                + " more mana: the system account "
                + did
                + " is at "
                + current
                + " and would pass the least 64-bit integer"
            : "the "
                + what
                + " of "
                + did
                + " is "
                + current
                + " and would leave the 64-bit range by adding "
                + delta;
    return MeshException.failedPrecondition(AMOUNT_TOO_LARGE, message)
        .with("did", did)
        .with("quantity", what)
        .with("current", current)
        .with("delta", delta);
  }

  static MeshException amountAboveMax(long amount, long max) {
    return MeshException.invalidArgument(
            AMOUNT_ABOVE_MAX,
            "amount "
                + amount
                + " is above the largest one operation may move, "
                + max
                + " ("
                + MAX_AMOUNT_SETTING
                + ")")
        .with("field", "amount")
        .with("max", max)
        .with("setting", MAX_AMOUNT_SETTING);
  }
}
