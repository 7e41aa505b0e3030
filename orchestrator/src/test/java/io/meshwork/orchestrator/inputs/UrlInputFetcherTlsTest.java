package io.meshwork.orchestrator.inputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.meshwork.blob.catalog.SqliteBlobCatalog;
import io.meshwork.blob.core.BlobLimits;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.JobAccess;
import io.meshwork.blob.store.FileBlobStore;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.TlsKeys;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fetcher over https against a server on loopback whose certificate a test CA issued: the
 * connection goes to the checked address while TLS checks the certificate against the URL's host,
 * by name (sent as the server name) or by address.
 */
class UrlInputFetcherTlsTest {
  private static final String SUBMITTER = "did:key:z6MkSubmitter";
  private static final byte[] TEXT = "over tls\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  private final CertificateAuthority ca = CertificateAuthority.create("test", Clock.systemUTC());
  private HttpsServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** Serves TEXT over https on loopback with a certificate for {@code names}; returns the port. */
  private int serve(List<String> names) throws Exception {
    KeyPair key = TlsKeys.generate();
    X509Certificate cert =
        ca.issue(
            CertificateRequest.create(Identity.generate(), key, "server"),
            names,
            Duration.ofDays(1));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "server", key.getPrivate(), new char[0], new Certificate[] {cert, ca.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext(
        "/text",
        x -> {
          x.sendResponseHeaders(200, TEXT.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(TEXT);
          }
        });
    server.start();
    return server.getAddress().getPort();
  }

  /** A fetcher allowing {@code host} and private addresses, trusting the test CA only. */
  private UrlInputFetcher fetcher(String host) throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    roots.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(roots);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    SSLSocketFactory sockets = tls.getSocketFactory();
    JobAccess jobs =
        new JobAccess() {
          @Override
          public boolean worksOn(String did, String jobId) {
            return SUBMITTER.equals(did);
          }

          @Override
          public Optional<String> submitter(String jobId) {
            return Optional.of(SUBMITTER);
          }

          @Override
          public boolean readsAll(String did) {
            return false;
          }
        };
    BlobRepository repository =
        new BlobRepository(
            FileBlobStore.open(dir.resolve("blobs")),
            SqliteBlobCatalog.open(dir.resolve("blobs.db")),
            jobs,
            Clock.systemUTC(),
            BlobLimits.DEFAULTS);
    return new UrlInputFetcher(
        new UrlInputFetcher.Options(List.of(host), true, false, Duration.ofSeconds(5)),
        repository,
        Clock.systemUTC(),
        InetAddress::getAllByName,
        sockets);
  }

  private static String fetch(UrlInputFetcher fetcher, String url) {
    return fetcher.fetch(
        "job-1", SUBMITTER, url, "", System.currentTimeMillis() + 20_000, breakOff -> {});
  }

  @Test
  void aCertificateForTheAddressIsCheckedAgainstTheAddress() throws Exception {
    int port = serve(List.of("127.0.0.1"));

    assertEquals(Cid.of(TEXT), fetch(fetcher("127.0.0.1"), "https://127.0.0.1:" + port + "/text"));
  }

  @Test
  void aCertificateForTheNameIsCheckedAgainstTheName() throws Exception {
    // The connection goes to the address checked for "localhost"; TLS still asks for, and checks,
    // the name.
    int port = serve(List.of("localhost"));

    assertEquals(Cid.of(TEXT), fetch(fetcher("localhost"), "https://localhost:" + port + "/text"));
  }

  @Test
  void aCertificateForAnotherHostFailsTheFetch() throws Exception {
    int port = serve(List.of("data.example.com"));

    MeshException e =
        assertThrows(
            MeshException.class,
            () -> fetch(fetcher("127.0.0.1"), "https://127.0.0.1:" + port + "/text"));

    assertEquals("INPUT_FETCH_FAILED", e.reason());
    assertTrue(e.getMessage().contains("TLS with 127.0.0.1 failed"), e.getMessage());
  }
}
