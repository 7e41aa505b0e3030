package io.meshwork.client;

import java.util.Locale;

/** How the orchestrator checks executors' results before accepting and paying for them. */
public enum VerificationMode {
  /** Results are accepted as returned. */
  NONE,
  /** The result's hash must match the one in the executor's signed receipt. */
  HASH,
  /** Several executors run each chunk and their results must agree. */
  REDUNDANT,
  /** A sample of chunks is run again elsewhere and compared. */
  SAMPLE,
  /** Results carry Merkle proofs within the job. */
  MERKLE;

  /** Returns the value as the contract spells it: lower case, for example {@code "none"}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the value the contract spells {@code wireName}, ignoring case.
   *
   * @throws IllegalArgumentException naming the accepted values when there is no such value
   */
  public static VerificationMode fromWireName(String wireName) {
    for (VerificationMode value : values()) {
      if (value.wireName().equalsIgnoreCase(wireName)) {
        return value;
      }
    }
    throw new IllegalArgumentException(
        "unknown verification mode '"
            + wireName
            + "'; expected one of "
            + JobRequest.wireNames(values()));
  }
}
