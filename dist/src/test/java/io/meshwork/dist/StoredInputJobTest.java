package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.meshwork.client.Blob;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.SplitStrategy;
import io.meshwork.content.Multihash;
import io.meshwork.content.StreamingCid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose input is an uploaded blob, through the mesh as separate processes over TLS: the
 * orchestrator cuts the blob in ranges, executors download their chunks by reference, and every
 * service runs in a heap smaller than the input; only who may read the blob can use it. And a job
 * whose input is a URL, which the orchestrator fetches into its store from allowed hosts only.
 */
class StoredInputJobTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @TempDir Path files;

  @Test
  void bigInputsByUploadAndByUrlCountRightInHeapsSmallerThanTheInput() throws Exception {
    // 40 MiB of text against 32 MiB heaps: no service can hold the input whole.
    Path text = files.resolve("corpus.txt");
    long words = writeText(text, 40L << 20);
    byte[] served = SampleText.generate(3 << 20, 11);
    AtomicInteger requests = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/corpus.txt",
        x -> {
          requests.incrementAndGet();
          x.sendResponseHeaders(200, served.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(served);
          }
        });
    server.start();
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("honest", "honest"),
            MeshProcesses.tolerantTimings(
                // Every chunk is above the inline limit, so each goes by reference.
                "orchestrator.inline-chunk-bytes", "65536",
                // URL inputs from the test's server only: it is on loopback and speaks http.
                "orchestrator.input-url-hosts", "127.0.0.1",
                "orchestrator.input-url-allow-private", "true",
                "orchestrator.input-url-allow-http", "true"),
            "32m")) {
      Identity user = Identity.generate();
      try (MeshClient client = mesh.client(user)) {
        Blob blob = client.upload(text);
        assertEquals(Files.size(text), blob.size());
        assertEquals(cidOf(text), blob.cid());

        // Chunks of 1 MiB: an executor in a 32 MiB heap holds two tasks' chunks and sandbox
        // memories at once, which the planner's default 16 MiB chunks would not fit (and 4 MiB
        // ones barely do).
        String jobId = client.submit(wordCountOf(blob.cid(), 1L << 20).timeoutSecs(600).build());
        JobResult result = client.result(jobId, Duration.ofMinutes(8));

        assertTrue(result.success(), "the job failed (logs in " + dataDir + "): " + result.error());
        assertEquals(
            Long.toString(words),
            new String(result.bytes(), StandardCharsets.US_ASCII),
            "the mesh counted the words wrong");
        assertTrue(result.status().getTotalChunks() >= 20, result.status().toString());
        // Each chunk's receipt names the chunk's own CID, and the chunks came by reference: the
        // executors keep what they downloaded in their chunk caches.
        List<ExecutionReceipt> receipts =
            MeshFixtures.assertAnchored(
                mesh.layout().grpcPort("receipts"), mesh.caDir(), result.receipts());
        assertTrue(receipts.stream().allMatch(r -> r.getInputCid().startsWith("bafkrei")));
        assertTrue(cachedChunks(dataDir) > 0, "no executor cached a chunk it downloaded");

        // Someone else who knows the CID cannot run a job on the blob.
        try (MeshClient mallory = mesh.client(Identity.generate())) {
          MeshClientException e =
              assertThrows(
                  MeshClientException.class,
                  () -> mallory.submit(wordCountOf(blob.cid(), 1 << 20).build()));
          assertEquals(Status.Code.PERMISSION_DENIED, e.code(), e.getMessage());
          assertEquals(Optional.of("BLOB_ACCESS_DENIED"), e.reason(), e.getMessage());
        }

        urlInputs(client, served, server.getAddress().getPort(), requests);
      }
      for (String service : List.of("orchestrator", "executor-1", "executor-2")) {
        assertFalse(
            Files.readString(mesh.log(service)).contains("OutOfMemoryError"),
            service + " ran out of memory");
      }
    } finally {
      server.stop(0);
    }
  }

  /**
   * A job whose input is a URL: the orchestrator fetches it from the test's HTTP server into its
   * blob store, once; a host not on its list is refused at submission, and bytes that are not the
   * declared SHA-256 fail the job.
   */
  private void urlInputs(MeshClient client, byte[] text, int port, AtomicInteger requests) {
    String sha256 = HexFormat.of().formatHex(Multihash.sha256Digest(text));
    String url = "http://127.0.0.1:" + port + "/corpus.txt";
    JobResult result = client.result(client.submit(urlJob(url, sha256)), Duration.ofMinutes(5));

    assertTrue(result.success(), "the URL job failed (logs in " + dataDir + "): " + result.error());
    assertEquals(
        Long.toString(SampleText.countWords(text)),
        new String(result.bytes(), StandardCharsets.US_ASCII),
        "the mesh counted the URL input's words wrong");
    assertTrue(result.status().getTotalChunks() >= 3, result.status().toString());
    assertEquals(1, requests.get());

    // The same server under a name the list does not hold: refused before anything is held.
    MeshClientException refused =
        assertThrows(
            MeshClientException.class,
            () -> client.submit(urlJob("http://localhost:" + port + "/corpus.txt", "")));
    assertEquals(Status.Code.PERMISSION_DENIED, refused.code(), refused.getMessage());
    assertEquals(Optional.of("URL_HOST_NOT_ALLOWED"), refused.reason(), refused.getMessage());
    assertTrue(refused.getMessage().contains("orchestrator.input-url-hosts"));

    // Bytes that are not the declared SHA-256 fail the job, naming both hashes.
    String declared = "0".repeat(64);
    JobResult mismatch = client.result(client.submit(urlJob(url, declared)), Duration.ofMinutes(2));
    assertFalse(mismatch.success());
    assertTrue(
        mismatch.error().contains(declared) && mismatch.error().contains(sha256), mismatch.error());
  }

  private static JobRequest urlJob(String url, String sha256) {
    return JobRequest.newBuilder()
        .wasmModule(MeshFixtures.wordCount())
        .inputUrl(url, sha256)
        .splitStrategy(SplitStrategy.LINES)
        .maxChunkSize(1 << 20)
        .timeoutSecs(600)
        .build();
  }

  /** A word count of the blob {@code cid} in chunks of whole lines of at most {@code chunk}. */
  static JobRequest.Builder wordCountOf(String cid, long chunk) {
    return JobRequest.newBuilder()
        .wasmModule(MeshFixtures.wordCount())
        .inputCid(cid)
        .splitStrategy(SplitStrategy.LINES)
        .maxChunkSize(chunk);
  }

  /** Writes about {@code bytes} of generated text to {@code file}; returns its word count. */
  static long writeText(Path file, long bytes) throws IOException {
    long words = 0;
    int piece = 1 << 20;
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0, seed = 1; written < bytes; written += piece, seed++) {
        byte[] part = SampleText.generate((int) Math.min(piece, bytes - written), seed);
        words += SampleText.countWords(part);
        out.write(part);
      }
    }
    return words;
  }

  private static String cidOf(Path file) throws IOException {
    StreamingCid cid = new StreamingCid();
    byte[] buffer = new byte[1 << 16];
    try (var in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        cid.update(buffer, 0, n);
      }
    }
    return cid.cid();
  }

  private static long cachedChunks(Path dataDir) throws IOException {
    long n = 0;
    for (String executor : List.of("executor-1", "executor-2")) {
      Path chunks = dataDir.resolve(executor).resolve("chunks");
      if (Files.isDirectory(chunks)) {
        try (Stream<Path> files = Files.list(chunks)) {
          n += files.filter(f -> f.getFileName().toString().startsWith("bafkrei")).count();
        }
      }
    }
    return n;
  }
}
