package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.sandbox.SandboxException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks by reference that carry a presigned URL, read from a real HTTP server on loopback standing
 * in for S3: the URL is used when it gives the range, and anything else it does falls back to the
 * blob service once, with the bytes checked either way.
 */
class PresignedChunksTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir Path dataDir;

  private final byte[] blob = new byte[100_000];
  private final String blobCid;
  private final byte[] chunk;
  private final BlobService link = new BlobService();
  // What the server was asked: "PATH RANGE AUTHORIZATION".
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;
  private ChunkCache cache;

  PresignedChunksTest() {
    new Random(5).nextBytes(blob);
    blobCid = Cid.of(blob);
    chunk = Arrays.copyOfRange(blob, 40_000, 70_000);
  }

  @BeforeEach
  void start() throws IOException {
    link.blobs.put(blobCid, blob);
    cache = ChunkCache.open(dataDir.resolve("chunks"), 1L << 20);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // As S3 answers a presigned ranged GET: the range it was signed for, and 403 for any other.
    server.createContext("/signed", x -> range(x, blob));
    server.createContext(
        "/expired",
        x -> {
          requests.add(x.getRequestURI().getPath());
          answer(x, 403, "<Error>AccessDenied</Error>".getBytes(StandardCharsets.UTF_8));
        });
    server.createContext("/corrupt", x -> range(x, corrupt(blob)));
    server.createContext(
        "/whole",
        x -> {
          // Ignores the Range header: the whole object from its first byte.
          requests.add(x.getRequestURI().getPath());
          answer(x, 200, blob);
        });
    server.createContext(
        "/longer",
        x -> {
          // Claims the range but streams on past it, without a Content-Length.
          requests.add(x.getRequestURI().getPath());
          x.getResponseHeaders().add("Content-Range", "bytes 40000-69999/100000");
          x.sendResponseHeaders(206, 0);
          try (OutputStream out = x.getResponseBody()) {
            out.write(chunk);
            out.write(new byte[50_000]);
          } catch (IOException e) {
            // The executor stopped reading, as it should.
          }
        });
    server.createContext(
        "/stalled",
        x -> {
          requests.add(x.getRequestURI().getPath());
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          x.close();
        });
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private ReferencedChunks chunks(boolean allowHttp) {
    return new ReferencedChunks(
        link, cache, 1L << 20, new PresignedChunks(allowHttp, Clock.systemUTC()));
  }

  private ChunkReference ref(String path, long expiresAt) {
    return ChunkReference.newBuilder()
        .setBlobCid(blobCid)
        .setOffset(40_000)
        .setLength(chunk.length)
        .setChunkCid(Cid.of(chunk))
        .setUrl("http://127.0.0.1:" + server.getAddress().getPort() + path + "?X-Amz-Signature=x")
        .setUrlExpiresAt(expiresAt)
        .build();
  }

  private ChunkReference ref(String path) {
    return ref(path, System.currentTimeMillis() + 60_000);
  }

  @Test
  void theUrlIsReadWithOnlyTheRangeHeaderAndTheBlobServiceIsNotAsked() throws Exception {
    byte[] read = chunks(true).read(ref("/signed"), "orchestrator:7000", DEADLINE);

    assertArrayEquals(chunk, read);
    assertEquals(List.of("/signed bytes=40000-69999 null"), requests);
    assertEquals(List.of(), link.ranges);
    assertEquals(1, cache.size());
  }

  @Test
  void aChunkWithAPrefixIsReadFromItsUrlAfterThePrefixAndCheckedWhole() throws Exception {
    byte[] prefix = "needle\n".getBytes(StandardCharsets.UTF_8);
    byte[] whole = new byte[prefix.length + chunk.length];
    System.arraycopy(prefix, 0, whole, 0, prefix.length);
    System.arraycopy(chunk, 0, whole, prefix.length, chunk.length);
    ChunkReference prefixed =
        ref("/signed").toBuilder()
            .setPrefix(com.google.protobuf.ByteString.copyFrom(prefix))
            .setChunkCid(Cid.of(whole))
            .build();

    byte[] read = chunks(true).read(prefixed, "orchestrator:7000", DEADLINE);

    assertArrayEquals(whole, read);
    // The URL still reads the range alone; the blob service is not asked.
    assertEquals(List.of("/signed bytes=40000-69999 null"), requests);
    assertEquals(List.of(), link.ranges);
  }

  @Test
  void aRefusedUrlFallsBackToTheBlobServiceOnce() throws Exception {
    byte[] read = chunks(true).read(ref("/expired"), "orchestrator:7000", DEADLINE);

    assertArrayEquals(chunk, read);
    assertEquals(1, requests.size());
    assertEquals(List.of("orchestrator:7000 40000+30000"), link.ranges);
    // The stream got what the URL left of the deadline, not more.
    assertTrue(link.deadlines.get(0).compareTo(DEADLINE) < 0, link.deadlines.toString());
  }

  @Test
  void aUrlPastItsExpiryIsNotTried() throws Exception {
    byte[] read =
        chunks(true)
            .read(ref("/signed", System.currentTimeMillis() - 1), "orchestrator:7000", DEADLINE);

    assertArrayEquals(chunk, read);
    assertEquals(List.of(), requests);
    assertEquals(1, link.ranges.size());
  }

  @Test
  void wrongBytesFromTheUrlAreNotUsedAndTheBlobServiceDecides() throws Exception {
    byte[] read = chunks(true).read(ref("/corrupt"), "orchestrator:7000", DEADLINE);
    assertArrayEquals(chunk, read);
    assertEquals(1, link.ranges.size());

    // When the blob service's bytes are wrong too, the object itself is: the task is not run.
    cache = ChunkCache.open(dataDir.resolve("chunks-2"), 1L << 20);
    link.blobs.put(blobCid, corrupt(blob));
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () -> chunks(true).read(ref("/corrupt"), "orchestrator:7000", DEADLINE));
    assertTrue(e.getMessage().startsWith("CHUNK_MISMATCH: "), e.getMessage());
    assertEquals(0, cache.size(), "a wrong chunk was cached");
  }

  @Test
  void anAnswerThatIsNotExactlyTheRangeIsNotUsed() throws Exception {
    for (String path : List.of("/whole", "/longer")) {
      link.ranges.clear();
      cache = ChunkCache.open(dataDir.resolve("chunks-" + path.substring(1)), 1L << 20);

      byte[] read = chunks(true).read(ref(path), "orchestrator:7000", DEADLINE);

      assertArrayEquals(chunk, read, path);
      assertEquals(1, link.ranges.size(), path);
    }
    assertEquals(List.of("/whole", "/longer"), requests);
  }

  @Test
  void aPlainHttpUrlIsNotReadUnlessAllowed() throws Exception {
    byte[] read = chunks(false).read(ref("/signed"), "orchestrator:7000", DEADLINE);

    assertArrayEquals(chunk, read);
    assertEquals(List.of(), requests);
    assertEquals(1, link.ranges.size());
  }

  @Test
  void aStalledUrlGivesWayToTheBlobServiceWithinTheDeadline() throws Exception {
    byte[] read = chunks(true).read(ref("/stalled"), "orchestrator:7000", Duration.ofSeconds(1));

    assertArrayEquals(chunk, read);
    assertEquals(List.of("/stalled"), requests);
    assertEquals(1, link.ranges.size());
  }

  /** Answers the range the request asks for, which must be the chunk's (else 403, as S3 would). */
  private void range(HttpExchange x, byte[] object) throws IOException {
    String range = x.getRequestHeaders().getFirst("Range");
    requests.add(
        x.getRequestURI().getPath()
            + " "
            + range
            + " "
            + x.getRequestHeaders().getFirst("Authorization"));
    if (!"bytes=40000-69999".equals(range)) {
      answer(x, 403, new byte[0]);
      return;
    }
    x.getResponseHeaders().add("Content-Range", "bytes 40000-69999/" + object.length);
    answer(x, 206, Arrays.copyOfRange(object, 40_000, 70_000));
  }

  private static void answer(HttpExchange x, int status, byte[] body) throws IOException {
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] corrupt(byte[] bytes) {
    byte[] copy = bytes.clone();
    copy[55_555] ^= 1;
    return copy;
  }

  /** The orchestrator's blob service: serves its blobs' ranges and records what it was asked. */
  private static final class BlobService implements OrchestratorLink {
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final List<Duration> deadlines = new CopyOnWriteArrayList<>();

    @Override
    public void fetchRange(
        String endpoint,
        String blobCid,
        long offset,
        long length,
        Duration deadline,
        Consumer<ByteBuffer> frames) {
      ranges.add(endpoint + " " + offset + "+" + length);
      deadlines.add(deadline);
      frames.accept(ByteBuffer.wrap(blobs.get(blobCid), (int) offset, (int) length));
    }

    @Override
    public boolean deliver(String endpoint, ComputeTaskResult result) {
      throw new AssertionError("nothing is delivered here");
    }

    @Override
    public byte[] fetchModule(String endpoint, String moduleCid) {
      throw new AssertionError("no module is fetched here");
    }
  }
}
