package io.meshwork.orchestrator.inputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshwork.blob.catalog.SqliteBlobCatalog;
import io.meshwork.blob.core.BlobLimits;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.JobAccess;
import io.meshwork.blob.store.FileBlobStore;
import io.meshwork.content.Cid;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fetcher against a real HTTP server on loopback and a real blob store (files and SQLite in a
 * temporary directory): what is refused before a byte is asked for, what a fetch stores and for
 * whom, and every way a fetch fails.
 */
class UrlInputFetcherTest {
  private static final String SUBMITTER = "did:key:z6MkSubmitter";
  private static final String JOB = "job-1";
  private static final byte[] TEXT =
      "the quick brown fox\njumps over\nthe lazy dog\n".getBytes(StandardCharsets.US_ASCII);
  private static final Consumer<Runnable> NO_CANCEL = breakOff -> {};

  @TempDir Path dir;
  private HttpServer server;
  private String base;
  private BlobRepository repository;
  private final Map<String, Integer> requests = new ConcurrentHashMap<>();
  private final CountDownLatch slowStarted = new CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    server.createContext("/text", x -> answer(x, 200, TEXT));
    server.createContext("/missing", x -> answer(x, 404, new byte[0]));
    server.createContext("/to-text", x -> redirect(x, base + "/text"));
    server.createContext("/to-relative", x -> redirect(x, "/text"));
    // "localhost" is the same server, but not a host on the list.
    server.createContext(
        "/to-localhost",
        x -> redirect(x, "http://localhost:" + server.getAddress().getPort() + "/text"));
    server.createContext("/to-metadata", x -> redirect(x, "http://169.254.169.254/latest/"));
    server.createContext("/loop", x -> redirect(x, base + "/loop"));
    server.createContext(
        "/chunked",
        x -> {
          count(x);
          x.sendResponseHeaders(200, 0);
          try (OutputStream out = x.getResponseBody()) {
            out.write(TEXT);
          }
        });
    // Past the store's largest blob (64 KiB here), by one byte.
    server.createContext("/huge", x -> answer(x, 200, new byte[(64 << 10) + 1]));
    server.createContext(
        "/slow",
        x -> {
          count(x);
          x.sendResponseHeaders(200, TEXT.length);
          slowStarted.countDown();
          try (OutputStream out = x.getResponseBody()) {
            out.write(TEXT, 0, 4);
            out.flush();
            Thread.sleep(10_000);
          } catch (IOException | InterruptedException e) {
            // The client went away.
          }
        });
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
    JobAccess jobs =
        new JobAccess() {
          @Override
          public boolean worksOn(String did, String jobId) {
            return SUBMITTER.equals(did) && jobId.startsWith("job-");
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
    repository =
        new BlobRepository(
            FileBlobStore.open(dir.resolve("blobs")),
            SqliteBlobCatalog.open(dir.resolve("blobs.db")),
            jobs,
            Clock.systemUTC(),
            new BlobLimits(
                1 << 20,
                64L << 10,
                1L << 30,
                16,
                16L << 20,
                Duration.ofDays(7),
                Duration.ofDays(1)));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void count(HttpExchange x) {
    requests.merge(x.getRequestURI().getPath(), 1, Integer::sum);
  }

  private void answer(HttpExchange x, int status, byte[] body) throws IOException {
    count(x);
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  private void redirect(HttpExchange x, String location) throws IOException {
    count(x);
    x.getResponseHeaders().set("Location", location);
    x.sendResponseHeaders(302, -1);
    x.close();
  }

  /**
   * A server on loopback that answers one request with a 200, {@code header} and {@code body}, then
   * closes the connection (which the JDK's server will not do in the middle of a body).
   */
  private int closingAfter(String header, byte[] body) throws IOException {
    ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              try (listener;
                  Socket s = listener.accept()) {
                var in =
                    new java.io.BufferedReader(
                        new java.io.InputStreamReader(
                            s.getInputStream(), StandardCharsets.US_ASCII));
                for (String line = in.readLine(); line != null && !line.isEmpty(); ) {
                  line = in.readLine();
                }
                OutputStream out = s.getOutputStream();
                out.write(
                    ("HTTP/1.1 200 OK\r\n" + header + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
              } catch (IOException e) {
                // The test sees what the client made of it.
              }
            });
    return listener.getLocalPort();
  }

  /** A fetcher allowing 127.0.0.1 over http, private addresses only when {@code allowPrivate}. */
  private UrlInputFetcher fetcher(boolean allowPrivate) {
    return new UrlInputFetcher(
        new UrlInputFetcher.Options(
            List.of("127.0.0.1"), allowPrivate, true, Duration.ofMillis(500)),
        repository,
        Clock.systemUTC(),
        InetAddress::getAllByName,
        (SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  private String fetch(UrlInputFetcher fetcher, String path, String sha256) {
    return fetcher.fetch(
        JOB, SUBMITTER, base + path, sha256, System.currentTimeMillis() + 10_000, NO_CANCEL);
  }

  private MeshException fetchFails(UrlInputFetcher fetcher, String path, String sha256) {
    return assertThrows(MeshException.class, () -> fetch(fetcher, path, sha256), path);
  }

  @Test
  void byDefaultNoUrlIsFetched() {
    UrlInputFetcher off =
        new UrlInputFetcher(UrlInputFetcher.Options.defaults(), repository, Clock.systemUTC());

    MeshException e = assertThrows(MeshException.class, () -> off.check(base + "/text"));

    assertEquals("URL_INPUTS_OFF", e.reason());
    assertTrue(e.getMessage().contains("orchestrator.input-url-hosts"), e.getMessage());
  }

  @Test
  void aLoopbackHostIsRefusedUnlessPrivateAddressesAreAllowed() {
    MeshException atSubmit =
        assertThrows(MeshException.class, () -> fetcher(false).check(base + "/text"));
    MeshException atFetch = fetchFails(fetcher(false), "/text", "");

    for (MeshException e : List.of(atSubmit, atFetch)) {
      assertEquals(MeshException.Kind.PERMISSION_DENIED, e.kind());
      assertEquals("URL_ADDRESS_NOT_ALLOWED", e.reason());
      assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
      assertTrue(e.getMessage().contains("loopback"), e.getMessage());
      assertTrue(e.getMessage().contains("orchestrator.input-url-allow-private"), e.getMessage());
    }
    assertEquals(Map.of(), requests, "a refused URL was asked for");
  }

  @Test
  void aFetchedInputIsABlobOfTheSubmitterUsedByTheJob() {
    fetcher(true).check(base + "/text");
    String cid = fetch(fetcher(true), "/text", "");

    assertEquals(Cid.of(TEXT), cid);
    assertEquals(TEXT.length, repository.blob(SUBMITTER, cid).size());
    assertTrue(repository.mayRead(SUBMITTER, cid));
    // Uploaded for the job, the job uses it from the start.
    assertEquals(List.of(cid), repository.release(JOB));
  }

  @Test
  void aDeclaredSha256ThatMatchesIsTaken() {
    String sha256 = HexFormat.of().formatHex(Cid.digest(Cid.of(TEXT)));

    assertEquals(Cid.of(TEXT), fetch(fetcher(true), "/text", sha256));
  }

  @Test
  void aDeclaredSha256ThatDoesNotMatchFailsNamingBothAndStoresNothing() {
    String declared = "00".repeat(32);
    String actual = HexFormat.of().formatHex(Cid.digest(Cid.of(TEXT)));

    MeshException e = fetchFails(fetcher(true), "/text", declared);

    assertEquals("INPUT_SHA256_MISMATCH", e.reason());
    assertTrue(e.getMessage().contains(declared), e.getMessage());
    assertTrue(e.getMessage().contains(actual), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(repository.mayRead(SUBMITTER, Cid.of(TEXT)));
  }

  @Test
  void aRedirectToAnAllowedUrlIsFollowed() {
    assertEquals(Cid.of(TEXT), fetch(fetcher(true), "/to-text", ""));
    assertEquals(Cid.of(TEXT), fetch(fetcher(true), "/to-relative", ""));
  }

  @Test
  void aRedirectToAHostNotAllowedIsRefusedBeforeItIsAskedFor() {
    MeshException toLocalhost = fetchFails(fetcher(true), "/to-localhost", "");
    assertEquals("URL_HOST_NOT_ALLOWED", toLocalhost.reason());
    assertTrue(toLocalhost.getMessage().contains("redirected to http://localhost:"));
    assertTrue(toLocalhost.getMessage().contains("orchestrator.input-url-hosts"));

    MeshException toMetadata = fetchFails(fetcher(true), "/to-metadata", "");
    assertEquals("URL_HOST_NOT_ALLOWED", toMetadata.reason());
    assertTrue(toMetadata.getMessage().contains("169.254.169.254"), toMetadata.getMessage());
    assertEquals(null, requests.get("/text"), "the redirect was followed");
  }

  @Test
  void redirectsEndAfterFive() {
    MeshException e = fetchFails(fetcher(true), "/loop", "");

    assertEquals("INPUT_FETCH_FAILED", e.reason());
    assertEquals(6, requests.get("/loop"));
  }

  @Test
  void answersTheMeshCannotStoreFailTheFetch() throws IOException {
    assertTrue(fetchFails(fetcher(true), "/missing", "").getMessage().contains("answered 404"));
    assertTrue(
        fetchFails(fetcher(true), "/chunked", "")
            .getMessage()
            .contains("without a Content-Length"));
    MeshException huge = fetchFails(fetcher(true), "/huge", "");
    assertEquals("INPUT_TOO_LARGE", huge.reason());
    assertTrue(huge.getMessage().contains("65537 bytes"), huge.getMessage());
    assertTrue(huge.getMessage().contains("blobs.max-blob-bytes"), huge.getMessage());
    base = "http://127.0.0.1:" + closingAfter("Content-Length: 1000", TEXT);
    MeshException shortBody = fetchFails(fetcher(true), "/short", "");
    assertTrue(
        shortBody.getMessage().contains("ended after " + TEXT.length + " of its 1000 bytes"),
        shortBody.getMessage());
    base = "http://127.0.0.1:" + closingAfter("Content-Length: 3\r\nContent-Length: 4", TEXT);
    assertTrue(
        fetchFails(fetcher(true), "/x", "").getMessage().contains("malformed Content-Length"));
    base = "http://127.0.0.1:" + closingAfter("Content-Length: 3\r\nContent-Encoding: gzip", TEXT);
    assertTrue(fetchFails(fetcher(true), "/x", "").getMessage().contains("Content-Encoding gzip"));
  }

  @Test
  void aBodyBrokenOffLeavesNoUploadCharged() throws IOException {
    String server = base;
    base = "http://127.0.0.1:" + closingAfter("Content-Length: 1000", TEXT);
    fetchFails(fetcher(true), "/short", "");
    base = server;

    // The broken upload was cancelled, so the job's next attempt opens a fresh one and the
    // submitter's quota holds only the blob.
    assertEquals(Cid.of(TEXT), fetch(fetcher(true), "/text", ""));
  }

  @Test
  void aServerThatStallsTimesOut() {
    long start = System.nanoTime();

    MeshException e = fetchFails(fetcher(true), "/slow", "");

    assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000);
  }

  @Test
  void aCancelBreaksTheConnectionOff() throws Exception {
    AtomicReference<Runnable> breakOff = new AtomicReference<>();
    UrlInputFetcher patient =
        new UrlInputFetcher(
            new UrlInputFetcher.Options(List.of("127.0.0.1"), true, true, Duration.ofMinutes(1)),
            repository,
            Clock.systemUTC(),
            InetAddress::getAllByName,
            (SSLSocketFactory) SSLSocketFactory.getDefault());
    CompletableFuture<String> fetching =
        CompletableFuture.supplyAsync(
            () ->
                patient.fetch(
                    JOB,
                    SUBMITTER,
                    base + "/slow",
                    "",
                    System.currentTimeMillis() + 60_000,
                    breakOff::set));
    assertTrue(slowStarted.await(10, TimeUnit.SECONDS));

    breakOff.get().run();

    var e = assertThrows(Exception.class, () -> fetching.get(5, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof MeshException, e.toString());
    assertEquals("INPUT_FETCH_FAILED", ((MeshException) e.getCause()).reason());
  }
}
