package io.meshwork.client;

import java.util.Locale;

/** How a job's input is cut into chunks before the executors run them. */
public enum SplitStrategy {
  /** The whole input is one chunk. */
  NONE,
  /** Chunks end at line breaks, each at most the maximum chunk size. */
  LINES,
  /** Chunks end at record boundaries of row-oriented data. */
  ROW_BASED,
  /** Chunks of exactly the maximum chunk size (the last may be shorter). */
  FIXED,
  /** The module's own {@code split} export decides. */
  WASM;

  /** Returns the value as the contract spells it: lower case, for example {@code "none"}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the value the contract spells {@code wireName}, ignoring case.
   *
   * @throws IllegalArgumentException naming the accepted values when there is no such value
   */
  public static SplitStrategy fromWireName(String wireName) {
    for (SplitStrategy value : values()) {
      if (value.wireName().equalsIgnoreCase(wireName)) {
        return value;
      }
    }
    throw new IllegalArgumentException(
        "unknown split strategy '"
            + wireName
            + "'; expected one of "
            + JobRequest.wireNames(values()));
  }
}
