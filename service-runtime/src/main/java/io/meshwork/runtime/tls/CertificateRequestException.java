package io.meshwork.runtime.tls;

/**
 * A certificate request the CA refuses, with the check that failed: {@code malformed}, {@code key},
 * {@code signature}, {@code subject-alt-name} or {@code did-proof}.
 *
 * <p>A service that takes requests over gRPC maps it to {@code INVALID_ARGUMENT} (or {@code
 * UNAUTHENTICATED} for a failed proof) with the check in the {@code ErrorInfo} metadata.
 */
public final class CertificateRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String check;

  /** Creates a refusal: {@code check} names the failed check, {@code message} explains it. */
  public CertificateRequestException(String check, String message) {
    super(message);
    this.check = check;
  }

  /** The check that failed. */
  public String check() {
    return check;
  }
}
