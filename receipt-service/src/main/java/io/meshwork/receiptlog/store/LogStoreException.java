package io.meshwork.receiptlog.store;

/**
 * A failure of the storage under the receipt log (a database that cannot be read or written).
 *
 * <p>Unchecked so that the store interface stays free of driver types; the log maps it to {@code
 * UNAVAILABLE}.
 */
public final class LogStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with the driver exception that caused it. */
  public LogStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates the failure for a problem the store itself detected. */
  public LogStoreException(String message) {
    super(message);
  }
}
