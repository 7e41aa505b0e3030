package io.meshwork.client;

/**
 * A receipt proof that did not verify offline, naming the check that failed: {@code bundle} (not a
 * proof bundle), {@code receipt-encoding}, {@code receipt-signature} and the receipt's other
 * checks, {@code cid}, {@code checkpoint-signature}, {@code checkpoint-format}, {@code
 * checkpoint-origin}, {@code inclusion}, and for a whole result {@code receipts} (none to check),
 * {@code missing-proof}, {@code log-index}, {@code executor} and {@code result-output}.
 * docs/RECEIPT-LOG.md lists the checks of one bundle.
 */
public final class ReceiptProofException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String check;

  /** A failed {@code check}, with what it found. */
  public ReceiptProofException(String check, String message, Throwable cause) {
    super(check + ": " + message, cause);
    this.check = check;
  }

  /** The name of the check that failed, such as {@code inclusion}. */
  public String check() {
    return check;
  }
}
