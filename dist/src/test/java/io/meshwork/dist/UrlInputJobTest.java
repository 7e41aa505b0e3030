package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.SplitStrategy;
import io.meshwork.content.Multihash;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose input is a URL, through the mesh as separate processes over TLS: the orchestrator
 * fetches it from an HTTP server in this JVM (on loopback, which the mesh's settings allow here)
 * into its blob store, and the executors count its words. The same mesh refuses a host that is not
 * on its list at submission, and fails a job whose bytes are not its declared SHA-256.
 */
class UrlInputJobTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void aWordCountOverAUrlInputCountsRightAndOnlyAllowedUrlsAreFetched() throws Exception {
    byte[] text = SampleText.generate(3 << 20, 11);
    long words = SampleText.countWords(text);
    String sha256 = HexFormat.of().formatHex(Multihash.sha256Digest(text));
    AtomicInteger served = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/corpus.txt",
        x -> {
          served.incrementAndGet();
          x.sendResponseHeaders(200, text.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(text);
          }
        });
    server.start();
    int port = server.getAddress().getPort();
    String url = "http://127.0.0.1:" + port + "/corpus.txt";
    try (MeshProcesses mesh =
            new MeshProcesses(
                dataDir,
                List.of("honest", "honest"),
                MeshProcesses.tolerantTimings(
                    "orchestrator.input-url-hosts", "127.0.0.1",
                    // The server is on loopback, and speaks plain http.
                    "orchestrator.input-url-allow-private", "true",
                    "orchestrator.input-url-allow-http", "true"));
        MeshClient client = mesh.client(Identity.generate())) {
      String jobId = client.submit(wordCountOf(url, sha256));
      JobResult result = client.result(jobId, Duration.ofMinutes(5));

      assertTrue(result.success(), "the job failed (logs in " + dataDir + "): " + result.error());
      assertEquals(
          Long.toString(words),
          new String(result.bytes(), StandardCharsets.US_ASCII),
          "the mesh counted the words wrong");
      assertTrue(result.status().getTotalChunks() >= 3, result.status().toString());
      assertEquals(1, served.get());

      // The same server under a name the list does not hold: refused before anything is held.
      MeshClientException refused =
          assertThrows(
              MeshClientException.class,
              () -> client.submit(wordCountOf("http://localhost:" + port + "/corpus.txt", "")));
      assertEquals(Status.Code.PERMISSION_DENIED, refused.code(), refused.getMessage());
      assertEquals(Optional.of("URL_HOST_NOT_ALLOWED"), refused.reason(), refused.getMessage());
      assertTrue(refused.getMessage().contains("orchestrator.input-url-hosts"));

      // Bytes that are not the declared SHA-256 fail the job, naming both hashes.
      String declared = "0".repeat(64);
      JobResult mismatch =
          client.result(client.submit(wordCountOf(url, declared)), Duration.ofMinutes(2));
      assertFalse(mismatch.success());
      assertTrue(
          mismatch.error().contains(declared) && mismatch.error().contains(sha256),
          mismatch.error());
    } finally {
      server.stop(0);
    }
  }

  private static JobRequest wordCountOf(String url, String sha256) {
    return JobRequest.newBuilder()
        .wasmModule(MeshFixtures.wordCount())
        .inputUrl(url, sha256)
        .splitStrategy(SplitStrategy.LINES)
        .maxChunkSize(1 << 20)
        .timeoutSecs(600)
        .build();
  }
}
