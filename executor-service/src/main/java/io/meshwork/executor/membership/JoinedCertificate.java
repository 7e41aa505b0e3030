package io.meshwork.executor.membership;

import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.PemFiles;
import io.meshwork.runtime.tls.TlsKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The certificate a join issued, with its TLS key and the CA, as the files {@code tls.cert}, {@code
 * tls.key} and {@code tls.ca} name: written to {@code DATA-DIR/tls-joined} (the key owner-only), so
 * that the executor serves and calls with them as with a certificate an operator gave it.
 *
 * @param certificate the certificate file
 * @param key the key file
 * @param trusted the CA file: the CA that issued the certificate, and the CA the join trusted
 */
public record JoinedCertificate(Path certificate, Path key, Path trusted) {
  /** The folder under the data directory. */
  public static final String FOLDER = "tls-joined";

  /**
   * Writes the files into {@code dir}, replacing those of an earlier join.
   *
   * @param certificatePem the issued certificate, PEM
   * @param caPem the CA that issued it, PEM
   * @param joinTrusted the CA file the join trusted the orchestrator's certificate by; its
   *     certificates are trusted too, so that the orchestrator stays trusted if another CA issued
   *     its certificate
   */
  public static JoinedCertificate write(
      Path dir, PrivateKey tlsKey, String certificatePem, String caPem, Path joinTrusted)
      throws IOException {
    Files.createDirectories(dir);
    JoinedCertificate files =
        new JoinedCertificate(
            dir.resolve("cert.pem"), dir.resolve("key.pem"), dir.resolve("ca.pem"));
    PemFiles.write(files.key(), TlsKeys.privateKeyPem(tlsKey), true);
    PemFiles.write(files.certificate(), certificatePem, false);
    Set<Certificate> cas = new LinkedHashSet<>(parse(caPem));
    cas.addAll(parse(Files.readString(joinTrusted, StandardCharsets.US_ASCII)));
    StringBuilder trusted = new StringBuilder();
    for (Certificate ca : cas) {
      trusted.append(CertificateAuthority.certificatePem((java.security.cert.X509Certificate) ca));
    }
    PemFiles.write(files.trusted(), trusted.toString(), false);
    return files;
  }

  private static List<Certificate> parse(String pem) throws IOException {
    try {
      return new ArrayList<>(
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
    } catch (CertificateException e) {
      throw new IOException("not a PEM certificate: " + e.getMessage(), e);
    }
  }
}
