package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.Blob;
import io.meshwork.client.DownloadProgress;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.SplitStrategy;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a short retention, the orchestrator's disk use stays bounded however many jobs run: round
 * after round of jobs with an uploaded input and a result stored as a blob, the journal's files and
 * the number of blobs do not grow past what one round leaves, because finished jobs leave the
 * journal (which is compacted) and their blobs are swept. A job past its retention is gone from the
 * journal; the receipts in the receipt log are not the orchestrator's to remove.
 */
class RetentionBoundsTest {
  private static final int ROUNDS = 4;
  private static final int JOBS_PER_ROUND = 3;

  @TempDir Path dataDir;
  @TempDir Path inputs;

  @Test
  void theJournalAndTheBlobsStayBoundedAcrossRoundsOfJobs() throws Exception {
    Map<String, String> settings =
        Map.of(
            "orchestrator.retention.finished-jobs", "PT1S",
            "orchestrator.retention.compact-interval", "300",
            "blobs.retention", "PT1S",
            "blobs.sweep-interval", "300",
            // Every result goes to the blob store and is kept past its job, until retention.
            "orchestrator.inline-result-bytes", "0");
    SplittableRandom random = new SplittableRandom(20);
    List<Long> journalBytes = new ArrayList<>();
    List<Long> blobCounts = new ArrayList<>();
    String firstJob = null;
    try (DevMesh mesh = DevMesh.start(dataDir, MeshFixtures.freeLayout(1), settings);
        MeshClient client = MeshFixtures.client(mesh, Identity.generate())) {
      for (int round = 0; round < ROUNDS; round++) {
        for (int j = 0; j < JOBS_PER_ROUND; j++) {
          String id = runOne(client, random, round * JOBS_PER_ROUND + j);
          firstJob = firstJob == null ? id : firstJob;
        }
        // Past the jobs' retention and the blobs', and a few sweeps of each.
        Thread.sleep(2_500);
        journalBytes.add(journalBytes());
        blobCounts.add(blobCount());
      }
      String expired = firstJob;
      MeshClientException gone =
          org.junit.jupiter.api.Assertions.assertThrows(
              MeshClientException.class, () -> client.status(expired));
      assertEquals(io.grpc.Status.Code.NOT_FOUND, gone.code(), gone.getMessage());
    }
    // Each round stored an input and a result per job; none of them are left once swept.
    long written = 2L * ROUNDS * JOBS_PER_ROUND;
    for (int r = 0; r < ROUNDS; r++) {
      assertTrue(
          blobCounts.get(r) < JOBS_PER_ROUND,
          "blobs after round " + r + ": " + blobCounts + " (" + written + " written)");
    }
    // The journal's files (with their WALs) end no larger than after the second round, give or
    // take a few pages.
    long bound = journalBytes.get(1) + 64 * 1024;
    for (int r = 1; r < ROUNDS; r++) {
      assertTrue(
          journalBytes.get(r) <= bound,
          "journal bytes by round: " + journalBytes + ", bound " + bound);
    }
    assertFalse(journalBytes.isEmpty());
  }

  /** Uploads a new input, counts its words on the mesh and checks the stored result; its job id. */
  private String runOne(MeshClient client, SplittableRandom random, int n) throws IOException {
    StringBuilder text = new StringBuilder();
    while (text.length() < 48 * 1024) {
      text.append("job ").append(n).append(" word").append(random.nextInt(1000)).append('\n');
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
    Path file = inputs.resolve("input-" + n);
    Files.write(file, bytes);
    Blob blob = client.upload(file);
    String id =
        client.submit(
            JobRequest.newBuilder()
                .wasmModule(MeshFixtures.wordCount())
                .inputCid(blob.cid())
                .splitStrategy(SplitStrategy.LINES)
                .maxChunkSize(16 * 1024)
                .build());
    JobResult result = client.result(id, Duration.ofSeconds(60));
    assertTrue(result.success(), "job " + id + ": " + result.error());
    assertFalse(result.inline(), "the result is stored as a blob");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    client.readResult(result, out, DownloadProgress.NONE);
    assertEquals(
        Long.toString(SampleText.countWords(bytes)), out.toString(StandardCharsets.US_ASCII));
    return id;
  }

  /** The job journal's SQLite file with its WAL, in bytes. */
  private long journalBytes() throws IOException {
    long sum = 0;
    for (String name : List.of("orchestrator.db", "orchestrator.db-wal")) {
      Path p = dataDir.resolve("orchestrator").resolve(name);
      sum += Files.exists(p) ? Files.size(p) : 0;
    }
    return sum;
  }

  private long blobCount() throws IOException {
    Path blobs = dataDir.resolve("orchestrator").resolve("blobs").resolve("blobs");
    if (!Files.exists(blobs)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(blobs)) {
      return files.filter(Files::isRegularFile).count();
    }
  }
}
