package io.meshwork.runtime.errors;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLException;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns any failure raised while serving a call into the status the caller sees.
 *
 * <p>This is the only place in a service that decides status codes. A {@link MeshException} keeps
 * its kind, reason and metadata; a status that came from a downstream call passes through
 * unchanged; anything else is an {@code INTERNAL} error, logged here with its stack trace and
 * reported to the caller without one.
 */
public final class ErrorMapping {
  /** The {@code ErrorInfo.domain} of every error Meshwork raises. */
  public static final String DOMAIN = "meshwork.io";

  private static final Logger LOG = Logger.getLogger(ErrorMapping.class.getName());

  private ErrorMapping() {}

  /**
   * Maps a failure to the status and trailers a call ends with. Handlers do not call this: the
   * server's error-mapping interceptor does for what they throw, and {@code Rpc.fail} for what
   * fails on their other threads.
   */
  public static StatusRuntimeException toStatus(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (t instanceof StatusException se) {
      return se.getStatus().asRuntimeException(se.getTrailers());
    }
    if (t instanceof MeshException me) {
      if (me.kind() == MeshException.Kind.INTERNAL) {
        LOG.log(Level.SEVERE, "internal error: " + me.getMessage(), me);
      }
      return build(codeOf(me.kind()), me.getMessage(), me.reason(), me.metadata());
    }
    if (t instanceof IllegalArgumentException iae) {
      // Domain validation that did not name a reason still names the problem.
      return build(Code.INVALID_ARGUMENT, iae.getMessage(), "INVALID_ARGUMENT", Map.of());
    }
    if (t instanceof SQLException) {
      LOG.log(Level.SEVERE, "storage failure", t);
      return build(Code.UNAVAILABLE, "storage is unavailable", "STORAGE_UNAVAILABLE", Map.of());
    }
    LOG.log(Level.SEVERE, "unexpected failure", t);
    return build(
        Code.INTERNAL,
        "internal error (" + t.getClass().getSimpleName() + ")",
        "INTERNAL",
        Map.of());
  }

  /** Reads the {@code ErrorInfo.reason} of a status received from another service, or "". */
  public static String reasonOf(Throwable failure) {
    com.google.rpc.Status status = StatusProto.fromThrowable(failure);
    if (status == null) {
      return "";
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return detail.unpack(ErrorInfo.class).getReason();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return "";
        }
      }
    }
    return "";
  }

  /** The gRPC status code of a failure received from another service. */
  public static Status.Code codeOf(Throwable failure) {
    return Status.fromThrowable(failure).getCode();
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof java.util.concurrent.CompletionException
            || current instanceof java.util.concurrent.ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  private static StatusRuntimeException build(
      Code code, String message, String reason, Map<String, String> metadata) {
    ErrorInfo info =
        ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build();
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(message == null ? "" : message)
            .addDetails(Any.pack(info))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  private static Code codeOf(MeshException.Kind kind) {
    return switch (kind) {
      case INVALID_ARGUMENT -> Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Code.NOT_FOUND;
      case ALREADY_EXISTS -> Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
      case PERMISSION_DENIED -> Code.PERMISSION_DENIED;
      case UNAUTHENTICATED -> Code.UNAUTHENTICATED;
      case RESOURCE_EXHAUSTED -> Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Code.UNAVAILABLE;
      case DEADLINE_EXCEEDED -> Code.DEADLINE_EXCEEDED;
      case ABORTED -> Code.ABORTED;
      case INTERNAL -> Code.INTERNAL;
    };
  }
}
