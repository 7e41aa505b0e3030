package io.meshwork.runtime;

/**
 * Why a service cannot start, for a reason outside its settings, in one line: another service
 * refused it (an orchestrator refused to admit an executor) or could not be reached. {@link
 * ServiceHost#serve} prints the message and ends the process with exit status 2, without a stack
 * trace.
 */
public final class StartRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A refusal told by {@code message}, a sentence naming the reason. */
  public StartRefusedException(String message) {
    super(message);
  }
}
