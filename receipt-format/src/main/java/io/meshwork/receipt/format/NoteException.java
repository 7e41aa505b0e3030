package io.meshwork.receipt.format;

/** Reports that a signed note is malformed or carries no valid signature by the expected key. */
public final class NoteException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message says what is wrong with the note. */
  public NoteException(String message) {
    super(message);
  }
}
