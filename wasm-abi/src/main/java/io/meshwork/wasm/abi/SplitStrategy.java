package io.meshwork.wasm.abi;

import java.util.Locale;

/** How a job's input is cut into chunks before each chunk goes to {@code execute}. */
public enum SplitStrategy {
  /** The whole input is one chunk. */
  NONE("none"),
  /** Whole lines packed into chunks between the job's minimum and maximum chunk sizes. */
  LINES("lines"),
  /** Consecutive byte ranges of the job's maximum chunk size. */
  FIXED("fixed"),
  /** The module's own {@code split} export decides. */
  WASM("wasm");

  private static final String ACCEPTED = "none, lines, row_based, fixed, wasm (or empty for none)";

  private final String wireName;

  SplitStrategy(String wireName) {
    this.wireName = wireName;
  }

  /** The canonical lower-case name used in manifests and on the wire. */
  public String wireName() {
    return wireName;
  }

  /**
   * Reads a manifest's {@code split_strategy} value, case-insensitively; {@code row_based} is the
   * seed schema's name for {@link #LINES}, and a null or empty value means {@link #NONE}.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static SplitStrategy parse(String value) {
    if (value == null || value.isEmpty()) {
      return NONE;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "lines", "row_based" -> LINES;
      case "fixed" -> FIXED;
      case "wasm" -> WASM;
      default ->
          throw new IllegalArgumentException(
              "unknown split strategy \"" + value + "\"; accepted: " + ACCEPTED);
    };
  }
}
