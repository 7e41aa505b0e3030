package io.meshwork.runtime.tls;

import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a service secures its gRPC port and its calls, read once from the {@code tls.*} settings.
 *
 * @param plaintext no TLS at all: for debugging only, and insecure
 * @param certificate the PEM chain of the service's TLS key (production); empty for a certificate
 *     from the development CA
 * @param key the PEM private key of {@code certificate}
 * @param trusted the PEM certificates of the CA that issues the mesh's certificates
 * @param developmentCa the folder of the development CA used when no certificate is given
 */
public record TlsOptions(
    boolean plaintext,
    Optional<Path> certificate,
    Optional<Path> key,
    Optional<Path> trusted,
    Path developmentCa) {

  /**
   * Checks that the settings fit together.
   *
   * @throws SettingsException naming the keys that disagree
   */
  public TlsOptions {
    if (plaintext && (certificate.isPresent() || key.isPresent() || trusted.isPresent())) {
      throw new SettingsException(
          "setting 'tls.plaintext' is true but tls.cert, tls.key or tls.ca is set as well; a"
              + " service either speaks TLS or, for debugging only, plaintext");
    }
    if (certificate.isPresent() != key.isPresent()) {
      throw new SettingsException(
          "settings 'tls.cert' and 'tls.key' go together: set both, or neither for a certificate"
              + " from the development CA");
    }
    if (certificate.isPresent() != trusted.isPresent()) {
      throw new SettingsException(
          "settings 'tls.cert' and 'tls.ca' go together: tls.ca names the CA whose certificates"
              + " this service accepts from the services it calls and that call it");
    }
  }

  /** Whether the certificate comes from the development CA in {@link #developmentCa()}. */
  public boolean fromDevelopmentCa() {
    return !plaintext && certificate.isEmpty();
  }
}
