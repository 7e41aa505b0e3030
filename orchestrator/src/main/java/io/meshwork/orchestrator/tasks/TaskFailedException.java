package io.meshwork.orchestrator.tasks;

/** A task could not be completed: no executor could take it, or every attempt failed. */
public final class TaskFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  /** A failure with a stable reason code and a message that says what happened. */
  public TaskFailedException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** The stable reason code (NO_EXECUTOR, ATTEMPTS_EXHAUSTED, CANCELLED, TIMED_OUT, ...). */
  public String reason() {
    return reason;
  }
}
