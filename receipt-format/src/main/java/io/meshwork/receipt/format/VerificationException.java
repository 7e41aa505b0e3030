package io.meshwork.receipt.format;

/**
 * Why an offline proof bundle was refused, with the name of the check that failed.
 *
 * <p>The {@link #check()} names are stable (docs/RECEIPT-LOG.md lists them) so that scripts can act
 * on them; the message explains the failure to a person and starts with the check's name.
 */
public final class VerificationException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String check;

  /** Creates the refusal of {@code check}. */
  public VerificationException(String check, String message, Throwable cause) {
    super(check + ": " + message, cause);
    this.check = check;
  }

  /** The failed check, for example {@code checkpoint-signature} or {@code inclusion}. */
  public String check() {
    return check;
  }
}
