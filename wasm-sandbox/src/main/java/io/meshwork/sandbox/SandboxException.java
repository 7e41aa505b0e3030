package io.meshwork.sandbox;

import java.util.List;

/**
 * Reports that a module could not be compiled or that a call into it failed, saying which limit,
 * which export and what the guest did.
 */
public final class SandboxException extends Exception {

  private static final long serialVersionUID = 1L;

  private final FailureKind kind;
  private final String exportName;
  private final long fuelUsed;
  private final List<String> log;

  /** Creates a failure that is not tied to a call, such as a module that does not compile. */
  public SandboxException(FailureKind kind, String message, Throwable cause) {
    this(kind, "", 0, message, List.of(), cause);
  }

  /**
   * Creates a failure of a call.
   *
   * @param exportName the export being called ({@code alloc} when the input could not be placed)
   * @param fuelUsed fuel consumed before the failure
   * @param log the debug lines the guest logged before the failure
   */
  public SandboxException(
      FailureKind kind,
      String exportName,
      long fuelUsed,
      String message,
      List<String> log,
      Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.exportName = exportName;
    this.fuelUsed = fuelUsed;
    this.log = List.copyOf(log);
  }

  /** What kind of failure this is. */
  public FailureKind kind() {
    return kind;
  }

  /** The export whose call failed, or the empty string when no call was involved. */
  public String exportName() {
    return exportName;
  }

  /** Fuel consumed before the failure. */
  public long fuelUsed() {
    return fuelUsed;
  }

  /** Debug lines the guest logged through {@code meshwork.log} before it failed. */
  public List<String> log() {
    return log;
  }
}
