package io.meshwork.runtime.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.config.SettingsException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The TLS of one service: its key and certificate, which name its did:key, and the CA it trusts for
 * its peers; and the TLS contexts of its gRPC server and of its calls to other services.
 *
 * <p>The server asks every client for a certificate but does not require one: users come with a
 * bearer token over server-authenticated TLS, services with their certificate (mutual TLS). A
 * client certificate that does not chain to the mesh's CA fails the handshake. Only TLS 1.3 is
 * spoken: in TLS 1.2 a client certificate, and so the caller's DID, would cross the network in the
 * clear.
 */
public final class ServiceTls {
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> trusted;
  private final String did;
  private final SslContext server;
  private final SslContext client;

  // Both contexts are built here, once: a key that does not match its certificate stops the
  // service at start rather than at its first handshake.
  private ServiceTls(
      PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted, String did) {
    this.key = key;
    this.chain = List.copyOf(chain);
    this.trusted = List.copyOf(trusted);
    this.did = did;
    this.server = buildServerContext();
    this.client = buildClientContext();
  }

  /**
   * The TLS of the service {@code name} that holds {@code identity}, as {@code options} configure
   * it: the files of {@code tls.cert}, {@code tls.key} and {@code tls.ca}, or a certificate the
   * development CA issues now, valid for this machine's loopback names.
   *
   * @throws SettingsException when the files cannot be read, or the certificate does not name the
   *     service's DID
   */
  public static ServiceTls of(TlsOptions options, Identity identity, String name) {
    return of(options, identity, name, List.of());
  }

  /**
   * As {@link #of(TlsOptions, Identity, String)}, with a development certificate valid for {@code
   * hostNames} too (the address the service is bound to or advertises, when other hosts reach it).
   */
  public static ServiceTls of(
      TlsOptions options, Identity identity, String name, List<String> hostNames) {
    if (options.plaintext()) {
      throw new IllegalArgumentException("a plaintext service has no TLS");
    }
    if (options.fromDevelopmentCa()) {
      return issuedBy(
          CertificateAuthority.loadOrCreate(options.developmentCa()),
          identity,
          name,
          java.util.stream.Stream.concat(
                  CertificateAuthority.LOOPBACK_NAMES.stream(), hostNames.stream())
              .distinct()
              .toList());
    }
    try {
      List<X509Certificate> chain = Pem.readCertificates(options.certificate().orElseThrow());
      PrivateKey key = Pem.readPrivateKey(options.key().orElseThrow());
      List<X509Certificate> trusted = Pem.readCertificates(options.trusted().orElseThrow());
      String named = PeerIdentity.didOf(chain.get(0)).orElse(null);
      if (!identity.did().equals(named)) {
        throw new SettingsException(
            "setting 'tls.cert': the certificate in "
                + options.certificate().get()
                + (named == null
                    ? " names no did:key as a URI subject alternative name"
                    : " names " + named)
                + ", but this service is "
                + identity.did());
      }
      return new ServiceTls(key, chain, trusted, named);
    } catch (IOException | IllegalStateException e) {
      throw new SettingsException("the TLS files of tls.cert, tls.key, tls.ca: " + e.getMessage());
    }
  }

  /**
   * Issues {@code identity} a certificate from {@code ca} through the request protocol a party from
   * outside would use: a fresh P-256 key, a request with the DID's proof, the CA's checks.
   *
   * @param hostNames the DNS names and IP addresses the certificate is valid for
   */
  public static ServiceTls issuedBy(
      CertificateAuthority ca, Identity identity, String name, List<String> hostNames) {
    KeyPair tlsKey = TlsKeys.generate();
    CertificateRequest request = CertificateRequest.create(identity, tlsKey, name);
    X509Certificate certificate =
        ca.issue(request, hostNames, CertificateAuthority.SERVICE_VALIDITY);
    return new ServiceTls(
        tlsKey.getPrivate(), List.of(certificate), List.of(ca.certificate()), identity.did());
  }

  /** The did:key this service's certificate names. */
  public String did() {
    return did;
  }

  /** The service's certificate. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The CA certificates peers must chain to. */
  public List<X509Certificate> trusted() {
    return trusted;
  }

  /** The TLS context of the service's gRPC server: mesh client certificates optional. */
  public SslContext serverContext() {
    return server;
  }

  /**
   * The TLS context of the service's calls to other services: it presents the service's
   * certificate, and trusts only servers whose certificate chains to the mesh's CA.
   */
  public SslContext clientContext() {
    return client;
  }

  /**
   * A JDK TLS context that presents the service's certificate, for HTTPS (the orchestrator's
   * dashboard). It asks for no client certificate: people sign in to it with a token, not as a
   * party of the mesh.
   */
  public SSLContext httpsContext() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("service", key, password, chain.toArray(X509Certificate[]::new));
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLSv1.3");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make the HTTPS context: " + e.getMessage(), e);
    }
  }

  private SslContext buildServerContext() {
    try {
      return GrpcSslContexts.configure(
              SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new)))
          .trustManager(trusted.toArray(X509Certificate[]::new))
          .clientAuth(ClientAuth.OPTIONAL)
          .protocols(PROTOCOLS)
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot make the server's TLS context: " + e.getMessage(), e);
    }
  }

  private SslContext buildClientContext() {
    try {
      return GrpcSslContexts.forClient()
          .keyManager(key, chain.toArray(X509Certificate[]::new))
          .trustManager(trusted.toArray(X509Certificate[]::new))
          .protocols(PROTOCOLS)
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot make the client's TLS context: " + e.getMessage(), e);
    }
  }
}
