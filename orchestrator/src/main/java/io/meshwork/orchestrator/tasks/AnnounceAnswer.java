package io.meshwork.orchestrator.tasks;

/**
 * An executor's answer to an announcement: a bid, or a decline with its reason.
 *
 * @param bid the offer, or null when the executor declined
 * @param declineReason with a decline, its code (OVER_MEMORY, BUSY, PRICE_ABOVE_MAX, ...)
 * @param declineMessage with a decline, what the executor said
 */
public record AnnounceAnswer(Offer bid, String declineReason, String declineMessage) {
  /** A bid. */
  public static AnnounceAnswer of(Offer bid) {
    return new AnnounceAnswer(bid, "", "");
  }

  /** A decline. */
  public static AnnounceAnswer declined(String reason, String message) {
    return new AnnounceAnswer(null, reason, message);
  }
}
