package io.meshwork.runtime.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;

/**
 * The key type of the mesh's TLS: ECDSA on P-256.
 *
 * <p>Not the Ed25519 identity key itself, for two reasons. Every TLS stack a client of the mesh may
 * use speaks P-256 (BoringSSL inside grpc-netty-shaded, the JDK, Go, Node, browsers, cert-manager
 * and cloud load balancers), while Ed25519 certificates are refused by browsers and many
 * middleboxes. And the identity key stays out of the TLS stack: the TLS key can live in a file the
 * TLS library reads, be made by cert-manager, or be replaced, without touching what signs receipts.
 * The DID proof of a {@link CertificateRequest} binds the two keys.
 */
public final class TlsKeys {
  /** The order of the P-256 group, which tells a P-256 key from other 256-bit curves. */
  static final BigInteger P256_ORDER =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  private TlsKeys() {}

  /** A fresh P-256 key pair. */
  public static KeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make P-256 keys", e);
    }
  }

  /**
   * The PEM text ({@code PRIVATE KEY}, PKCS#8) of a TLS private key, as {@code tls.key} reads it:
   * for a party that writes the key of a certificate it was issued (an executor that joined).
   */
  public static String privateKeyPem(PrivateKey key) {
    return Pem.encode("PRIVATE KEY", key.getEncoded());
  }
}
