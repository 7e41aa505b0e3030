package io.meshwork.orchestrator.tasks;

/**
 * An executor's answer to an announcement: a bid, or a decline with its reason.
 *
 * @param bid the offer, or null when the executor declined
 * @param declineReason with a decline, its code (OVER_MEMORY, BUSY, PRICE_ABOVE_MAX, ...)
 * @param declineMessage with a decline, what the executor said
 * @param answeredBy the DID the transport proved for the executor that answered (the one its TLS
 *     certificate names), or "" when the channel proves none (a mesh run with --plaintext)
 */
public record AnnounceAnswer(
    Offer bid, String declineReason, String declineMessage, String answeredBy) {
  /** A bid. */
  public static AnnounceAnswer of(Offer bid) {
    return new AnnounceAnswer(bid, "", "", "");
  }

  /** A decline. */
  public static AnnounceAnswer declined(String reason, String message) {
    return new AnnounceAnswer(null, reason, message, "");
  }

  /** This answer, made by the executor whose identity the transport proved to be {@code did}. */
  public AnnounceAnswer answeredBy(String did) {
    return new AnnounceAnswer(bid, declineReason, declineMessage, did == null ? "" : did);
  }

  /**
   * Whether the bid names someone other than the executor that made it: a bid is only ever in the
   * name of the identity that answered, so that nobody can win tasks, or lose them, in another
   * executor's name.
   */
  boolean impersonates() {
    return bid != null && !answeredBy.isEmpty() && !answeredBy.equals(bid.executorDid());
  }
}
