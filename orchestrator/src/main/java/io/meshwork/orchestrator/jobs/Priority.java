package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;
import java.util.Locale;

/** A job's scheduling priority. */
public enum Priority {
  LOW,
  MEDIUM,
  HIGH,
  CRITICAL;

  /** Parses the manifest's {@code priority}; empty means MEDIUM. */
  public static Priority parse(String value) {
    if (value == null || value.isEmpty()) {
      return MEDIUM;
    }
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw MeshException.invalidArgument(
              "UNKNOWN_PRIORITY",
              "priority '" + value + "' is not one of low, medium, high, critical")
          .with("field", "priority");
    }
  }
}
