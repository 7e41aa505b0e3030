package io.meshwork.orchestrator.blobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.blob.catalog.SqliteBlobCatalog;
import io.meshwork.blob.core.BlobLimits;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.JobAccess;
import io.meshwork.blob.store.FileBlobStore;
import io.meshwork.content.Cid;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results written into a real blob repository (files and SQLite): the submitter's blob, used by the
 * job and readable by the submitter alone; a job's result kept past the job's end while its other
 * blobs go after the retention period; a write broken off leaves no open upload behind.
 */
class StoredResultsTest {
  private static final String SUBMITTER = "did:key:z6MkSubmitter";
  private static final String STRANGER = "did:key:z6MkStranger";

  @TempDir Path dir;
  private final MovableClock clock = new MovableClock();
  private BlobRepository repository;
  private StoredResults results;

  @BeforeEach
  void open() {
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
            clock,
            new BlobLimits(
                64 << 10, 1L << 30, 1L << 30, 16, 1 << 20, Duration.ofDays(7), Duration.ofDays(1)));
    results = new StoredResults(repository);
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private byte[] read(String caller, String cid) throws IOException {
    try (InputStream in = repository.openRange(caller, cid, 0, 0).bytes()) {
      return in.readAllBytes();
    }
  }

  @Test
  void aResultIsTheSubmittersBlobAndOutlivesItsJobWhileTheJobsOtherBlobsGo() throws Exception {
    byte[] result = random(300_000);
    byte[] mergeInput = random(200_000);
    String resultCid =
        results.write("job-1", SUBMITTER, "result", result.length, "", out -> out.write(result));
    String inputCid =
        results.write(
            "job-1", SUBMITTER, "merge-input", mergeInput.length, "", out -> out.write(mergeInput));
    assertEquals(Cid.of(result), resultCid);
    assertArrayEquals(result, read(SUBMITTER, resultCid));
    MeshException denied =
        assertThrows(MeshException.class, () -> repository.blob(STRANGER, resultCid));
    assertEquals("BLOB_ACCESS_DENIED", denied.reason());

    results.keepResult("job-1", resultCid);
    repository.release("job-1");
    clock.advance(Duration.ofDays(8));
    repository.sweep();

    assertArrayEquals(result, read(SUBMITTER, resultCid), "kept with the job's result");
    assertTrue(repository.storedBlob(inputCid).isEmpty(), "the merge input went");
  }

  @Test
  void writingTheSameNameAgainGivesTheBlobWrittenBefore() {
    byte[] bytes = random(70_000);
    String first =
        results.write("job-2", SUBMITTER, "result", bytes.length, "", out -> out.write(bytes));
    String again =
        results.write(
            "job-2",
            SUBMITTER,
            "result",
            bytes.length,
            "",
            out -> {
              throw new AssertionError("a completed upload is not written again");
            });
    assertEquals(first, again);
  }

  @Test
  void aWriteBrokenOffLeavesNoOpenUploadAndTheNextOneCompletes() {
    byte[] bytes = random(150_000);
    assertThrows(
        IllegalStateException.class,
        () ->
            results.write(
                "job-3",
                SUBMITTER,
                "result",
                bytes.length,
                "",
                out -> out.write(bytes, 0, 100_000)));
    String cid =
        results.write("job-3", SUBMITTER, "result", bytes.length, "", out -> out.write(bytes));
    assertEquals(Cid.of(bytes), cid);
    assertFalse(repository.storedBlob(cid).isEmpty());
  }

  @Test
  void bytesOtherThanTheExpectedCidAreRefused() {
    byte[] bytes = random(1000);
    MeshException e =
        assertThrows(
            MeshException.class,
            () ->
                results.write(
                    "job-4",
                    SUBMITTER,
                    "job-4:0",
                    bytes.length,
                    Cid.of(random(999)),
                    out -> out.write(bytes)));
    assertEquals("CID_MISMATCH", e.reason());
  }

  /** A clock the test moves. */
  private static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
