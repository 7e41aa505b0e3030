package io.meshwork.client;

import java.util.Locale;

/** How urgently the orchestrator schedules a job's chunks. */
public enum Priority {
  /** Runs when nothing more urgent waits. */
  LOW,
  /** Scheduled in turn with other work: the default. */
  MEDIUM,
  /** Ahead of low and medium work. */
  HIGH,
  /** Ahead of everything else. */
  CRITICAL;

  /** Returns the value as the contract spells it: lower case, for example {@code "low"}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the value the contract spells {@code wireName}, ignoring case.
   *
   * @throws IllegalArgumentException naming the accepted values when there is no such value
   */
  public static Priority fromWireName(String wireName) {
    for (Priority value : values()) {
      if (value.wireName().equalsIgnoreCase(wireName)) {
        return value;
      }
    }
    throw new IllegalArgumentException(
        "unknown priority '" + wireName + "'; expected one of " + JobRequest.wireNames(values()));
  }
}
