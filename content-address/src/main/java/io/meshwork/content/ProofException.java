package io.meshwork.content;

/** Reports that a Merkle inclusion or consistency proof does not verify, and why. */
public final class ProofException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message says why the proof failed. */
  public ProofException(String message) {
    super(message);
  }
}
