package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.meshwork.client.Blob;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.SplitStrategy;
import io.meshwork.content.StreamingCid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose input is an uploaded blob, through the mesh as separate processes over TLS: the
 * orchestrator cuts the blob in ranges, executors download their chunks by reference, and every
 * service runs in a heap smaller than the input; only who may read the blob can use it.
 */
class StoredInputJobTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @TempDir Path files;

  @Test
  void aWordCountOverAnInputLargerThanEveryHeapCountsRight() throws Exception {
    // 40 MiB of text against 32 MiB heaps: no service can hold the input whole.
    Path text = files.resolve("corpus.txt");
    long words = writeText(text, 40L << 20);
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("honest", "honest"),
            MeshProcesses.tolerantTimings(
                // Every chunk is above the inline limit, so each goes by reference.
                "orchestrator.inline-chunk-bytes", "65536"),
            "32m")) {
      Identity user = Identity.generate();
      try (MeshClient client = mesh.client(user)) {
        Blob blob = client.upload(text);
        assertEquals(Files.size(text), blob.size());
        assertEquals(cidOf(text), blob.cid());

        String jobId = client.submit(wordCountOf(blob.cid(), 4L << 20).timeoutSecs(600).build());
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
      }
      for (String service : List.of("orchestrator", "executor-1", "executor-2")) {
        assertFalse(
            Files.readString(mesh.log(service)).contains("OutOfMemoryError"),
            service + " ran out of memory");
      }
    }
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
