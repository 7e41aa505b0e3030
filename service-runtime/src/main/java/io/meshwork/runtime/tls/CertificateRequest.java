package io.meshwork.runtime.tls;

import io.meshwork.identity.DidKey;
import io.meshwork.identity.Ed25519;
import io.meshwork.identity.Identity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A request for a mesh TLS certificate, bound to a did:key: a standard PKCS#10 request for a P-256
 * TLS key, which names the DID as its one URI subject alternative name and carries the DID's proof
 * that it speaks for that key.
 *
 * <p>The request proves two things. Its PKCS#10 signature, made with the TLS key, proves that the
 * requester holds the TLS key. Its DID proof attribute (OID {@value #DID_PROOF_OID}) is an Ed25519
 * signature by the identity key of the DID over
 *
 * <pre>
 * "meshwork-tls-key-binding-v1" 0x00 did 0x00 DER(SubjectPublicKeyInfo of the TLS key)
 * </pre>
 *
 * which proves that the holder of the DID's key vouches for the TLS key. A CA that checks both
 * ({@link #verify()}) may write the DID into a certificate for the TLS key: whoever later proves
 * possession of the TLS key in a handshake is that DID. The text form is the usual PEM {@code
 * CERTIFICATE REQUEST}, so {@code openssl req -text} reads it. docs/TLS.md specifies the protocol
 * for other implementations.
 */
public final class CertificateRequest {
  /**
   * The OID of the DID proof attribute, under the UUID arc 2.25 (ITU-T X.667), so that it needs no
   * registration and collides with nothing.
   */
  public static final String DID_PROOF_OID = "2.25.144757682318722260417607850103971509800";

  private static final ASN1ObjectIdentifier PROOF = new ASN1ObjectIdentifier(DID_PROOF_OID);
  private static final byte[] CONTEXT =
      "meshwork-tls-key-binding-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_COMMON_NAME = 64;

  private final PKCS10CertificationRequest request;

  private CertificateRequest(PKCS10CertificationRequest request) {
    this.request = request;
  }

  /**
   * Makes the request of {@code identity} for {@code tlsKey}, a P-256 key pair (see {@link
   * TlsKeys#generate()}).
   *
   * @param commonName the subject's common name, e.g. the service's name; at most 64 characters
   */
  public static CertificateRequest create(Identity identity, KeyPair tlsKey, String commonName) {
    requireP256(tlsKey.getPublic());
    if (commonName.isBlank() || commonName.length() > MAX_COMMON_NAME) {
      throw new IllegalArgumentException("a common name has 1 to 64 characters: " + commonName);
    }
    try {
      byte[] spki = tlsKey.getPublic().getEncoded();
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity.did())));
      JcaPKCS10CertificationRequestBuilder builder =
          new JcaPKCS10CertificationRequestBuilder(
              new X500Name("CN=" + escape(commonName)), tlsKey.getPublic());
      builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
      builder.addAttribute(
          PROOF, new DEROctetString(identity.sign(bindingMessage(identity.did(), spki))));
      return new CertificateRequest(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(tlsKey.getPrivate())));
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot build a certificate request: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a request from its DER bytes.
   *
   * @throws CertificateRequestException (malformed) when the bytes are not a PKCS#10 request
   */
  public static CertificateRequest fromDer(byte[] der) {
    try {
      return new CertificateRequest(new PKCS10CertificationRequest(der));
    } catch (IOException | RuntimeException e) {
      throw new CertificateRequestException(
          "malformed", "the certificate request is not DER-encoded PKCS#10");
    }
  }

  /**
   * Reads a request from its PEM text ({@code -----BEGIN CERTIFICATE REQUEST-----}).
   *
   * @throws CertificateRequestException (malformed) when the text holds no PKCS#10 request
   */
  public static CertificateRequest fromPem(String pem) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      if (parser.readObject() instanceof PKCS10CertificationRequest r) {
        return new CertificateRequest(r);
      }
    } catch (IOException | RuntimeException e) {
      // Reported below, as for text that holds something else.
    }
    throw new CertificateRequestException("malformed", "the text holds no PEM CERTIFICATE REQUEST");
  }

  /** The DER encoding. */
  public byte[] toDer() {
    try {
      return request.getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The PEM text. */
  public String toPem() {
    return Pem.encode("CERTIFICATE REQUEST", toDer());
  }

  /**
   * Checks the request as a CA must before it issues: the PKCS#10 signature verifies with the
   * request's own key, that key is P-256, the request names exactly one subject alternative name, a
   * URI that is a did:key, and its DID proof verifies under that DID's Ed25519 key.
   *
   * @return the DID and the TLS key the request binds together
   * @throws CertificateRequestException naming the check that failed
   */
  public Verified verify() {
    PublicKey key;
    try {
      key = new JcaPKCS10CertificationRequest(request).getPublicKey();
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      throw new CertificateRequestException("key", "the request's public key cannot be read");
    }
    if (!isP256(key)) {
      throw new CertificateRequestException(
          "key", "the request's key is not an EC P-256 key; the mesh CA issues for P-256 only");
    }
    try {
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new CertificateRequestException(
            "signature", "the request's signature does not verify with its own key");
      }
    } catch (OperatorCreationException | PKCSException e) {
      throw new CertificateRequestException(
          "signature", "the request's signature cannot be checked: " + e.getMessage());
    }
    String did = requestedDid();
    byte[] proof = proof();
    if (proof.length != Ed25519.SIGNATURE_LENGTH
        || !Ed25519.verify(DidKey.publicKey(did), bindingMessage(did, key.getEncoded()), proof)) {
      throw new CertificateRequestException(
          "did-proof", "the DID proof does not verify: " + did + " did not sign for this TLS key");
    }
    return new Verified(did, key, commonName());
  }

  /** What a verified request binds: only {@link #verify()} makes one. */
  public static final class Verified {
    private final String did;
    private final PublicKey tlsKey;
    private final String commonName;

    private Verified(String did, PublicKey tlsKey, String commonName) {
      this.did = did;
      this.tlsKey = tlsKey;
      this.commonName = commonName;
    }

    /** The did:key that proved it speaks for the TLS key. */
    public String did() {
      return did;
    }

    /** The TLS public key the certificate is for. */
    public PublicKey tlsKey() {
      return tlsKey;
    }

    /** The subject's common name as requested. */
    public String commonName() {
      return commonName;
    }
  }

  private String requestedDid() {
    List<String> uris = new ArrayList<>();
    int otherNames = 0;
    for (Attribute a : request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      for (ASN1Encodable value : a.getAttributeValues()) {
        GeneralNames names =
            GeneralNames.fromExtensions(
                Extensions.getInstance(value), Extension.subjectAlternativeName);
        if (names == null) {
          continue;
        }
        for (GeneralName name : names.getNames()) {
          if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
            uris.add(name.getName().toString());
          } else {
            otherNames++;
          }
        }
      }
    }
    if (uris.size() != 1 || otherNames != 0) {
      throw new CertificateRequestException(
          "subject-alt-name",
          "the request must name exactly one subject alternative name, the did:key URI; it names "
              + uris.size()
              + " URI(s) and "
              + otherNames
              + " other name(s). The CA chooses the host names itself");
    }
    String did = uris.get(0);
    if (!DidKey.isDidKey(did)) {
      throw new CertificateRequestException(
          "subject-alt-name", "the request's URI name is not an Ed25519 did:key: " + did);
    }
    return did;
  }

  private byte[] proof() {
    Attribute[] attributes = request.getAttributes(PROOF);
    if (attributes.length != 1 || attributes[0].getAttributeValues().length != 1) {
      throw new CertificateRequestException(
          "did-proof", "the request carries no DID proof attribute (" + DID_PROOF_OID + ")");
    }
    ASN1Encodable value = attributes[0].getAttributeValues()[0];
    if (!(value instanceof ASN1OctetString octets)) {
      throw new CertificateRequestException(
          "did-proof", "the DID proof attribute is not an OCTET STRING");
    }
    return octets.getOctets();
  }

  private String commonName() {
    var rdns = request.getSubject().getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
    if (rdns.length == 0 || rdns[0].getFirst() == null) {
      return "";
    }
    String cn = rdns[0].getFirst().getValue().toString();
    return cn.length() > MAX_COMMON_NAME ? cn.substring(0, MAX_COMMON_NAME) : cn;
  }

  /** The message the DID's key signs: the context, the DID, and the TLS key. */
  static byte[] bindingMessage(String did, byte[] subjectPublicKeyInfo) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(CONTEXT);
    out.write(0);
    out.writeBytes(did.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeBytes(subjectPublicKeyInfo);
    return out.toByteArray();
  }

  static boolean isP256(PublicKey key) {
    if (!(key instanceof ECPublicKey ec)) {
      return false;
    }
    ECParameterSpec params = ec.getParams();
    return params.getCurve().getField().getFieldSize() == 256
        && params.getOrder().equals(TlsKeys.P256_ORDER);
  }

  private static void requireP256(PublicKey key) {
    if (!isP256(key)) {
      throw new IllegalArgumentException("the TLS key must be an EC P-256 key");
    }
  }

  /** Escapes the characters RFC 4514 gives a meaning in a distinguished name. */
  private static String escape(String value) {
    return value.replaceAll("([,+\"\\\\<>;=#])", "\\\\$1");
  }
}
