package io.meshwork.runtime.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The PEM text form of certificates, private keys and certificate requests, as files hold them.
 *
 * <p>Keys are read in the forms that OpenSSL, cert-manager and Kubernetes secrets use (PKCS#8
 * {@code PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}); this package
 * writes PKCS#8 only.
 */
final class Pem {
  private static final Base64.Encoder MIME =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private Pem() {}

  /** One PEM block of {@code type} ("CERTIFICATE", "PRIVATE KEY", ...) around {@code der}. */
  static String encode(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + MIME.encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** The certificates of a PEM file, in file order (leaf first for a chain). */
  static List<X509Certificate> readCertificates(Path file) throws IOException {
    return parseCertificates(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
  }

  /** The certificates in PEM text; {@code source} names it in errors. */
  static List<X509Certificate> parseCertificates(String pem, String source) throws IOException {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (var c : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes()))) {
        certificates.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IOException(source + " holds no valid PEM certificate: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IOException(source + " holds no PEM certificate");
    }
    return List.copyOf(certificates);
  }

  /** The one private key of a PEM file. */
  static PrivateKey readPrivateKey(Path file) throws IOException {
    return parsePrivateKey(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
  }

  /** The private key in PEM text; {@code source} names it in errors. */
  static PrivateKey parsePrivateKey(String pem, String source) throws IOException {
    try (Reader reader = new StringReader(pem);
        PEMParser parser = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(source + " holds no readable PEM private key: " + e.getMessage(), e);
    }
    throw new IOException(
        source + " holds no unencrypted PEM private key (PRIVATE KEY or EC PRIVATE KEY)");
  }
}
