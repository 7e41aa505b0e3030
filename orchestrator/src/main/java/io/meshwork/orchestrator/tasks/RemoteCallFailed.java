package io.meshwork.orchestrator.tasks;

/**
 * A call to an executor or a peer orchestrator failed in transport: unreachable, no answer in time,
 * or refused by the remote side's own checks. The adapters raise it, so that no domain class sees
 * the transport's own exceptions.
 */
public final class RemoteCallFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String status;
  private final boolean refusedConnection;

  /**
   * A failed call.
   *
   * @param message what went wrong, in one line
   * @param status the transport's full account of it (code, description, cause), for logs
   * @param refusedConnection the remote end could not be reached at all, as when its process is
   *     gone, rather than answering slowly or with an error
   */
  public RemoteCallFailed(String message, String status, boolean refusedConnection) {
    super(message);
    this.status = status;
    this.refusedConnection = refusedConnection;
  }

  /** The transport's full account of the failure. */
  public String status() {
    return status;
  }

  /** Whether the remote end could not be reached at all. */
  public boolean refusedConnection() {
    return refusedConnection;
  }
}
