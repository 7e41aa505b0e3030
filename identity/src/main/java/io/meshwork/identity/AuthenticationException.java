package io.meshwork.identity;

/**
 * Reports that a bearer token was refused, and which check refused it.
 *
 * <p>{@link #check()} is a stable short name a server can put in error details; the message is a
 * sentence for people.
 */
public final class AuthenticationException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String check;

  /** Creates an exception for the failed {@code check}, explained by {@code message}. */
  public AuthenticationException(String check, String message) {
    super(message);
    this.check = check;
  }

  /**
   * Returns the name of the failed check: {@code malformed}, {@code algorithm}, {@code key-id},
   * {@code signature}, {@code issuer}, {@code audience}, {@code lifetime}, {@code not-yet-valid},
   * {@code expired}, {@code replayed}, {@code replay-quota} (the caller has too many live tokens)
   * or {@code replay-capacity} (the server's memory of live tokens is full).
   */
  public String check() {
    return check;
  }
}
