package io.meshwork.runtime.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of the mesh: it issues TLS certificates that name a did:key, and only for
 * a {@link CertificateRequest} whose DID proved it speaks for the TLS key.
 *
 * <p>A development mesh keeps one in a folder ({@link #loadOrCreate(Path)}): {@code ca.pem}, the
 * certificate clients trust, and {@code ca.key}, readable by its owner only. A production mesh
 * brings its certificates from its own CA (cert-manager, an operator's PKI) through {@code
 * tls.cert}, {@code tls.key} and {@code tls.ca}; docs/TLS.md says what they must contain.
 */
public final class CertificateAuthority {
  /** The CA certificate's file name in a CA folder: the file clients trust. */
  public static final String CERTIFICATE_FILE = "ca.pem";

  /** The CA key's file name in a CA folder. */
  public static final String KEY_FILE = "ca.key";

  /** The names a development certificate is valid for: this machine's loopback. */
  public static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1", "::1");

  /** How long a service certificate is valid by default. */
  public static final Duration SERVICE_VALIDITY = Duration.ofDays(90);

  private static final Duration CA_VALIDITY = Duration.ofDays(3650);

  // Certificates start an hour in the past, so that a peer whose clock is a little behind accepts.
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  // One JVM may start several services on one folder at once (the development mesh); a file lock
  // guards against other processes, this against other threads of this one.
  private static final Object CREATION = new Object();

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Clock clock;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key, Clock clock) {
    this.certificate = certificate;
    this.key = key;
    this.clock = clock;
  }

  /** A new CA with a fresh P-256 key and a self-signed certificate valid for ten years. */
  public static CertificateAuthority create(String name, Clock clock) {
    KeyPair keys = TlsKeys.generate();
    Instant now = clock.instant();
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "Meshwork")
            .addRDN(BCStyle.CN, name + " " + HexFormat.of().formatHex(randomBytes(4)))
            .build();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(CA_VALIDITY)),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  utils.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate(), clock);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
    }
  }

  /**
   * The CA kept in {@code dir}, created there on first use (a development mesh's CA). Several
   * services, in one process or in several, may call this at once on one folder: all of them end up
   * with the same CA. A folder that already holds both files is only read, so it may be read-only
   * (a Kubernetes Secret mounted as the development CA).
   */
  public static CertificateAuthority loadOrCreate(Path dir) {
    try {
      // store() writes the key before the certificate, so a certificate seen here has its key
      // beside it: only creation needs the lock.
      if (Files.exists(dir.resolve(CERTIFICATE_FILE)) && Files.exists(dir.resolve(KEY_FILE))) {
        return load(dir);
      }
      Files.createDirectories(dir);
      synchronized (CREATION) {
        try (FileChannel lockFile =
                FileChannel.open(
                    dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock ignored = lockFile.lock()) {
          if (Files.exists(dir.resolve(CERTIFICATE_FILE)) && Files.exists(dir.resolve(KEY_FILE))) {
            return load(dir);
          }
          CertificateAuthority created = create("Meshwork development CA", Clock.systemUTC());
          created.store(dir);
          return created;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or create the development CA in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The CA whose {@code ca.pem} and {@code ca.key} are in {@code dir}. */
  public static CertificateAuthority load(Path dir) throws IOException {
    List<X509Certificate> certificates = Pem.readCertificates(dir.resolve(CERTIFICATE_FILE));
    PrivateKey key = Pem.readPrivateKey(dir.resolve(KEY_FILE));
    return new CertificateAuthority(certificates.get(0), key, Clock.systemUTC());
  }

  /** Writes {@code ca.pem} and {@code ca.key} (owner-only) into {@code dir}. */
  public void store(Path dir) throws IOException {
    Files.createDirectories(dir);
    PemFiles.write(dir.resolve(KEY_FILE), Pem.encode("PRIVATE KEY", key.getEncoded()), true);
    PemFiles.write(dir.resolve(CERTIFICATE_FILE), certificatePem(certificate), false);
  }

  /** The CA's own certificate: what clients and services trust. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Verifies {@code request} ({@link CertificateRequest#verify()}) and issues its certificate.
   *
   * @throws CertificateRequestException when the request fails a check
   */
  public X509Certificate issue(CertificateRequest request, List<String> hostNames, Duration valid) {
    return issue(request.verify(), hostNames, valid);
  }

  /**
   * Issues the certificate of a verified request: for its TLS key, naming its DID as a URI subject
   * alternative name beside {@code hostNames}, usable for both ends of a TLS connection.
   *
   * @param hostNames DNS names and IP addresses the certificate is valid for; the CA's policy, not
   *     the requester, chooses them
   * @param valid how long from now the certificate is valid
   */
  public X509Certificate issue(
      CertificateRequest.Verified request, List<String> hostNames, Duration valid) {
    Objects.requireNonNull(request, "request");
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, request.did()));
    for (String host : hostNames) {
      names.add(
          isIpLiteral(host)
              ? new GeneralName(GeneralName.iPAddress, host)
              : new GeneralName(GeneralName.dNSName, host));
    }
    Instant now = clock.instant();
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Meshwork");
    if (!request.commonName().isEmpty()) {
      subject.addRDN(BCStyle.CN, request.commonName());
    }
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      PublicKey tlsKey = request.tlsKey();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(valid)),
                  subject.build(),
                  tlsKey)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(names.toArray(GeneralName[]::new)))
              .addExtension(
                  Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(tlsKey))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  utils.createAuthorityKeyIdentifier(certificate));
      return sign(builder, key);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue a certificate: " + e.getMessage(), e);
    }
  }

  /** The PEM text of a certificate. */
  public static String certificatePem(X509Certificate certificate) {
    try {
      return Pem.encode("CERTIFICATE", certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static BigInteger serial() {
    // 127 random bits: positive, unpredictable, and within the 20 octets RFC 5280 allows.
    return new BigInteger(1, randomBytes(16)).shiftRight(1);
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static boolean isIpLiteral(String host) {
    return host.contains(":") || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  }
}
