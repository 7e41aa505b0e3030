package io.meshwork.receipt.format;

/**
 * Reports that an execution receipt is not acceptable, and which check refused it.
 *
 * <p>{@link #check()} is a stable short name for error details; the message is a sentence.
 */
public final class ReceiptException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String check;

  /** Creates an exception for the failed {@code check}, explained by {@code message}. */
  public ReceiptException(String check, String message) {
    super(message);
    this.check = check;
  }

  /**
   * Returns the failed check: {@code version}, {@code missing-field}, {@code executor-did}, {@code
   * encoding}, {@code signature-length} or {@code signature}.
   */
  public String check() {
    return check;
  }
}
