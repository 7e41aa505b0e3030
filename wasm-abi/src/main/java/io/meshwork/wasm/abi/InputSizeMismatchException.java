package io.meshwork.wasm.abi;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reports that a streamed input is shorter or longer than its declared size, so chunks cut from it
 * would not match the stored blob.
 *
 * <p>It is an {@link UncheckedIOException}, so a caller that only asks "did reading fail?" sees it
 * too; a caller that tells a corrupt or mis-declared blob from a transient read failure catches
 * this type first.
 */
public final class InputSizeMismatchException extends UncheckedIOException {

  private static final long serialVersionUID = 1L;

  private final long declaredSize;
  private final long bytesRead;

  private InputSizeMismatchException(
      String message, IOException cause, long declaredSize, long bytesRead) {
    super(message, cause);
    this.declaredSize = declaredSize;
    this.bytesRead = bytesRead;
  }

  static InputSizeMismatchException endedEarly(long declaredSize, long bytesRead) {
    String message =
        "input ended after "
            + bytesRead
            + " bytes but its declared size is "
            + declaredSize
            + " bytes";
    return new InputSizeMismatchException(
        message, new EOFException(message), declaredSize, bytesRead);
  }

  static InputSizeMismatchException longerThanDeclared(long declaredSize) {
    String message =
        "input has more bytes than its declared size of "
            + declaredSize
            + " bytes (byte "
            + declaredSize
            + " exists)";
    return new InputSizeMismatchException(
        message, new IOException(message), declaredSize, declaredSize + 1);
  }

  /** The size the caller declared for the input. */
  public long declaredSize() {
    return declaredSize;
  }

  /**
   * The bytes read when the mismatch showed: the input's whole length if it ended early, or
   * declared size + 1 if it was longer (the rest was not read).
   */
  public long bytesRead() {
    return bytesRead;
  }
}
