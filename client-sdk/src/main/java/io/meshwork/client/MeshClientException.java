package io.meshwork.client;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.Optional;

/**
 * Why a mesh call did not succeed: the gRPC status code, the service's {@code ErrorInfo} reason
 * when it sent one, and a message for people.
 *
 * <p>The SDK also raises it for failures it detects itself, such as a result whose bytes do not
 * match their content address; those carry a status code chosen to fit ({@code DATA_LOSS} there)
 * and a reason of their own.
 */
public final class MeshClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The reason of a result whose bytes do not match the CID the orchestrator gave for them. */
  public static final String RESULT_CID_MISMATCH = "RESULT_CID_MISMATCH";

  /** A chunk result of a merkle-verified job does not prove into the job's Merkle root. */
  public static final String CHUNK_PROOF_MISMATCH = "CHUNK_PROOF_MISMATCH";

  /** The reason of a submission the orchestrator answered with {@code success = false}. */
  public static final String JOB_NOT_ACCEPTED = "JOB_NOT_ACCEPTED";

  /**
   * The reason of a request larger than a gRPC message may be (the client's {@link
   * MeshClientOptions#maxMessageBytes()} or the server's limit): a job whose inline input is too
   * large, which should go as a blob instead ({@link MeshClient#upload}).
   */
  public static final String MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE";

  /** The reason of an upload whose file changed (size or modification time) while it was sent. */
  public static final String FILE_CHANGED = "FILE_CHANGED";

  /** The reason of an upload that stopped after too many broken streams in a row. */
  public static final String UPLOAD_INTERRUPTED = "UPLOAD_INTERRUPTED";

  /** The reason of a result download that stopped after too many broken streams in a row. */
  public static final String DOWNLOAD_INTERRUPTED = "DOWNLOAD_INTERRUPTED";

  /** The reason for asking to read the result of a job that has none (not completed). */
  public static final String NO_RESULT = "NO_RESULT";

  private final Status.Code code;
  private final String reason;
  private final String domain;
  private final Map<String, String> metadata;

  /** An exception for a failure the SDK detected itself. */
  public MeshClientException(Status.Code code, String reason, String message) {
    this(code, reason, "", Map.of(), message, null);
  }

  /** An exception for a failure the SDK detected itself, with the failure behind it. */
  public MeshClientException(Status.Code code, String reason, String message, Throwable cause) {
    this(code, reason, "", Map.of(), message, cause);
  }

  private MeshClientException(
      Status.Code code,
      String reason,
      String domain,
      Map<String, String> metadata,
      String message,
      Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason == null ? "" : reason;
    this.domain = domain == null ? "" : domain;
    this.metadata = Map.copyOf(metadata);
  }

  /**
   * Translates a failed gRPC call, reading the {@code google.rpc.ErrorInfo} the services put in the
   * status details.
   */
  public static MeshClientException fromGrpc(StatusRuntimeException failure) {
    Status status = failure.getStatus();
    ErrorInfo info = errorInfo(failure);
    String message = status.getDescription();
    if (message == null || message.isBlank()) {
      message = status.getCode().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
    // Only a failure on this side of the wire has a cause, and its message (such as "Connection
    // refused") says more than grpc's generic description.
    Throwable cause = status.getCause();
    if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
      message = message + ": " + cause.getMessage();
    }
    return new MeshClientException(
        status.getCode(),
        info == null ? "" : info.getReason(),
        info == null ? "" : info.getDomain(),
        info == null ? Map.of() : info.getMetadataMap(),
        message,
        failure);
  }

  private static ErrorInfo errorInfo(StatusRuntimeException failure) {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    if (details == null) {
      return null;
    }
    for (com.google.protobuf.Any any : details.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          // A detail that claims to be ErrorInfo but does not parse adds nothing to the status.
          return null;
        }
      }
    }
    return null;
  }

  /** The gRPC status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** The machine-readable reason ({@code ErrorInfo.reason}, UPPER_SNAKE_CASE), if any. */
  public Optional<String> reason() {
    return reason.isEmpty() ? Optional.empty() : Optional.of(reason);
  }

  /** The service domain of the reason ({@code ErrorInfo.domain}); empty when there is none. */
  public String domain() {
    return domain;
  }

  /** The dynamic values the service attached to the reason ({@code ErrorInfo.metadata}). */
  public Map<String, String> metadata() {
    return metadata;
  }
}
