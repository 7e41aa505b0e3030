package io.meshwork.orchestrator.tasks;

import io.meshwork.runtime.errors.MeshException;
import java.util.Locale;

/**
 * How the results of a job's tasks are checked before they are accepted and paid; each mode has its
 * {@link Verification} strategy.
 */
public enum VerificationMode {
  /** Results are accepted as returned; receipts are still verified and anchored. */
  NONE,
  /** The result's CID must match the signed receipt's output CID and the returned bytes. */
  HASH,
  /** Each chunk runs on several executors and the majority wins. */
  REDUNDANT,
  /** A fraction of chunks is re-run elsewhere. */
  SAMPLE,
  /** The result carries a Merkle root over the chunk results. */
  MERKLE;

  /** Parses the manifest's {@code verification_mode}; empty means HASH. */
  public static VerificationMode parse(String value) {
    if (value == null || value.isEmpty()) {
      return HASH;
    }
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw MeshException.invalidArgument(
              "UNKNOWN_VERIFICATION_MODE",
              "verification_mode '"
                  + value
                  + "' is not one of none, hash, redundant, sample, merkle")
          .with("field", "verification_mode");
    }
  }

  /** The wire name. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
