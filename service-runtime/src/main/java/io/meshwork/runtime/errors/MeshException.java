package io.meshwork.runtime.errors;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure a domain core reports to its caller, carrying the status kind, a stable reason code and
 * a message for people.
 *
 * <p>Domain code throws this and never touches gRPC types; {@link ErrorMapping} turns it into a
 * status with a {@code google.rpc.ErrorInfo} detail at the edge. A domain may subclass it for a
 * failure its callers catch by type (the orchestrator's journal refusing a deposed replica), as
 * long as the subclass keeps to a kind and a reason of its own.
 */
public class MeshException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The class of failure, named after the gRPC status code it maps to. */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    PERMISSION_DENIED,
    UNAUTHENTICATED,
    RESOURCE_EXHAUSTED,
    UNAVAILABLE,
    DEADLINE_EXCEEDED,
    ABORTED,
    INTERNAL
  }

  private final Kind kind;
  private final String reason;
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /**
   * Creates a failure.
   *
   * @param kind the class of failure
   * @param reason a stable UPPER_SNAKE_CASE code that clients may branch on
   * @param message a sentence that names the problem
   */
  public MeshException(Kind kind, String reason, String message) {
    this(kind, reason, message, null);
  }

  /** Creates a failure with the exception that caused it. */
  public MeshException(Kind kind, String reason, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.reason = reason;
  }

  /** A bad field or value in a request. */
  public static MeshException invalidArgument(String reason, String message) {
    return new MeshException(Kind.INVALID_ARGUMENT, reason, message);
  }

  /** Something the request names does not exist. */
  public static MeshException notFound(String reason, String message) {
    return new MeshException(Kind.NOT_FOUND, reason, message);
  }

  /** The request is valid but the state does not allow it. */
  public static MeshException failedPrecondition(String reason, String message) {
    return new MeshException(Kind.FAILED_PRECONDITION, reason, message);
  }

  /** The caller is known but may not do this. */
  public static MeshException permissionDenied(String reason, String message) {
    return new MeshException(Kind.PERMISSION_DENIED, reason, message);
  }

  /** A dependency of the service could not be reached. */
  public static MeshException unavailable(String reason, String message, Throwable cause) {
    return new MeshException(Kind.UNAVAILABLE, reason, message, cause);
  }

  /** Adds a value that explains the failure (a field name, a limit, an id). */
  public MeshException with(String key, Object value) {
    metadata.put(key, String.valueOf(value));
    return this;
  }

  /** The class of failure. */
  public Kind kind() {
    return kind;
  }

  /** The stable reason code. */
  public String reason() {
    return reason;
  }

  /** Values that explain the failure. */
  public Map<String, String> metadata() {
    return Map.copyOf(metadata);
  }
}
