package io.meshwork.runtime.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA issues a certificate naming a DID only for a request whose DID proved it speaks for the
 * TLS key; requests that forge or bend any part of the proof are refused, naming the check.
 */
class CertificateAuthorityTest {
  private static final Duration DAY = Duration.ofDays(1);

  @TempDir Path dir;

  private final CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());
  private final Identity alice = Identity.generate();
  private final Identity mallory = Identity.generate();

  @Test
  void aVerifiedRequestGetsACertificateThatNamesItsDidAndTheCasHostNames() throws Exception {
    KeyPair tlsKey = TlsKeys.generate();
    CertificateRequest request = CertificateRequest.create(alice, tlsKey, "executor-1");

    X509Certificate issued = ca.issue(request, CertificateAuthority.LOOPBACK_NAMES, DAY);

    issued.verify(ca.certificate().getPublicKey());
    assertArrayEquals(tlsKey.getPublic().getEncoded(), issued.getPublicKey().getEncoded());
    assertEquals(alice.did(), PeerIdentity.didOf(issued).orElseThrow());
    assertEquals(
        Set.of(
            List.of(6, alice.did()),
            List.of(2, "localhost"),
            List.of(7, "127.0.0.1"),
            List.of(7, "0:0:0:0:0:0:0:1")),
        Set.copyOf(names(issued)));
    assertTrue(issued.getSubjectX500Principal().getName().contains("CN=executor-1"));
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), issued.getExtendedKeyUsage());
    assertEquals(-1, issued.getBasicConstraints(), "a service certificate is no CA");
    issued.checkValidity();
  }

  @Test
  void theRequestTravelsAsPemAndStillVerifies() {
    CertificateRequest request = CertificateRequest.create(alice, TlsKeys.generate(), "svc");

    String pem = request.toPem();

    assertTrue(pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n"));
    assertEquals(alice.did(), CertificateRequest.fromPem(pem).verify().did());
    assertEquals(alice.did(), CertificateRequest.fromDer(request.toDer()).verify().did());
  }

  @Test
  void aProofSignedByAnotherKeyThanTheDidsIsRefused() throws Exception {
    // Mallory asks for a certificate naming Alice's DID, signing the proof with her own key.
    KeyPair tlsKey = TlsKeys.generate();
    CertificateRequest forged =
        request(alice.did(), mallory, tlsKey, tlsKey, List.of(), true, "SHA256withECDSA");

    assertRefused(forged, "did-proof");
  }

  @Test
  void aProofForAnotherTlsKeyIsRefused() throws Exception {
    // Alice's genuine proof for her own TLS key, replayed in a request for Mallory's key.
    KeyPair alicesKey = TlsKeys.generate();
    KeyPair mallorysKey = TlsKeys.generate();
    CertificateRequest replayed =
        request(alice.did(), alice, mallorysKey, alicesKey, List.of(), true, "SHA256withECDSA");

    assertRefused(replayed, "did-proof");
  }

  @Test
  void aRequestWithoutAProofIsRefused() throws Exception {
    KeyPair tlsKey = TlsKeys.generate();

    assertRefused(
        request(alice.did(), alice, tlsKey, tlsKey, List.of(), false, "SHA256withECDSA"),
        "did-proof");
  }

  @Test
  void aRequestThatAsksForHostNamesIsRefused() throws Exception {
    KeyPair tlsKey = TlsKeys.generate();
    CertificateRequest request =
        request(
            alice.did(),
            alice,
            tlsKey,
            tlsKey,
            List.of(new GeneralName(GeneralName.dNSName, "orchestrator.example")),
            true,
            "SHA256withECDSA");

    assertRefused(request, "subject-alt-name");
  }

  @Test
  void aRequestNamingNoDidKeyIsRefused() throws Exception {
    KeyPair tlsKey = TlsKeys.generate();

    assertRefused(
        request("did:web:example.org", alice, tlsKey, tlsKey, List.of(), true, "SHA256withECDSA"),
        "subject-alt-name");
  }

  @Test
  void aKeyOtherThanP256IsRefused() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp384r1"));
    KeyPair p384 = generator.generateKeyPair();

    assertRefused(
        request(alice.did(), alice, p384, p384, List.of(), true, "SHA384withECDSA"), "key");
  }

  @Test
  void aRequestWhoseSignatureDoesNotVerifyIsRefused() throws Exception {
    // The request is signed with another key than the one it carries: no proof of possession.
    KeyPair carried = TlsKeys.generate();
    KeyPair signer = TlsKeys.generate();

    assertRefused(requestSignedBy(alice.did(), alice, carried, signer), "signature");
  }

  @Test
  void bytesThatAreNoRequestAreRefusedAsMalformed() {
    CertificateRequestException e =
        assertThrows(
            CertificateRequestException.class,
            () -> CertificateRequest.fromDer(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}));
    assertEquals("malformed", e.check());
    assertEquals(
        "malformed",
        assertThrows(CertificateRequestException.class, () -> CertificateRequest.fromPem("hello"))
            .check());
  }

  @Test
  void aDevelopmentCaIsCreatedOnceAndSharedByEveryoneWhoAsksAtOnce() throws Exception {
    Path folder = dir.resolve("tls");
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () ->
                      seen.add(
                          CertificateAuthority.loadOrCreate(folder)
                              .certificate()
                              .getSerialNumber()
                              .toString())));
    }
    for (Thread t : threads) {
      t.join();
    }

    assertEquals(1, seen.size(), "every caller got the same CA");
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(folder.resolve(CertificateAuthority.KEY_FILE))));
    CertificateAuthority again = CertificateAuthority.load(folder);
    assertEquals(seen.iterator().next(), again.certificate().getSerialNumber().toString());
    // The loaded CA's key still issues certificates that verify under the stored certificate.
    X509Certificate issued =
        again.issue(
            CertificateRequest.create(alice, TlsKeys.generate(), "svc"), List.of("localhost"), DAY);
    issued.verify(Pem.readCertificates(folder.resolve("ca.pem")).get(0).getPublicKey());
  }

  @Test
  void aFolderThatHoldsACaIsOnlyRead() throws Exception {
    // As a Kubernetes Secret mounted read-only holds it: a lock file could not be made there.
    Path folder = dir.resolve("mounted");
    CertificateAuthority made =
        CertificateAuthority.create("mounted CA", java.time.Clock.systemUTC());
    made.store(folder);
    Set<Path> before = Set.copyOf(listed(folder));

    CertificateAuthority loaded = CertificateAuthority.loadOrCreate(folder);

    assertEquals(made.certificate(), loaded.certificate());
    assertEquals(before, Set.copyOf(listed(folder)), "nothing was written into the folder");
  }

  private static List<Path> listed(Path folder) throws Exception {
    try (var files = Files.list(folder)) {
      return files.toList();
    }
  }

  private static List<List<?>> names(X509Certificate certificate) throws Exception {
    Collection<List<?>> names = certificate.getSubjectAlternativeNames();
    return names.stream().<List<?>>map(List::copyOf).toList();
  }

  private void assertRefused(CertificateRequest request, String check) {
    CertificateRequestException e =
        assertThrows(
            CertificateRequestException.class,
            () -> ca.issue(request, CertificateAuthority.LOOPBACK_NAMES, DAY));
    assertEquals(check, e.check(), e.getMessage());
  }

  /**
   * A request built by hand, the way a misbehaving party would: {@code uri} as its name, a proof by
   * {@code prover} over {@code provedKey}, for {@code csrKey}, signed with {@code csrKey}.
   */
  private static CertificateRequest request(
      String uri,
      Identity prover,
      KeyPair csrKey,
      KeyPair provedKey,
      List<GeneralName> extraNames,
      boolean withProof,
      String algorithm)
      throws Exception {
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
    names.addAll(extraNames);
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(names.toArray(GeneralName[]::new)));
    JcaPKCS10CertificationRequestBuilder builder =
        new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=forged"), csrKey.getPublic());
    builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
    if (withProof) {
      byte[] message = CertificateRequest.bindingMessage(uri, provedKey.getPublic().getEncoded());
      builder.addAttribute(
          new ASN1ObjectIdentifier(CertificateRequest.DID_PROOF_OID),
          new DEROctetString(prover.sign(message)));
    }
    return CertificateRequest.fromDer(
        builder
            .build(new JcaContentSignerBuilder(algorithm).build(csrKey.getPrivate()))
            .getEncoded());
  }

  /** A genuine proof for {@code carried}, but the request signed with {@code signer}'s key. */
  private static CertificateRequest requestSignedBy(
      String did, Identity prover, KeyPair carried, KeyPair signer) throws Exception {
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, did)));
    JcaPKCS10CertificationRequestBuilder builder =
        new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=forged"), carried.getPublic());
    builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
    builder.addAttribute(
        new ASN1ObjectIdentifier(CertificateRequest.DID_PROOF_OID),
        new DEROctetString(
            prover.sign(CertificateRequest.bindingMessage(did, carried.getPublic().getEncoded()))));
    return CertificateRequest.fromDer(
        builder
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()))
            .getEncoded());
  }
}
