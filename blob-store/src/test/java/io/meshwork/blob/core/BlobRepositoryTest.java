package io.meshwork.blob.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.blob.store.FileBlobStore;
import io.meshwork.blob.testing.Bytes;
import io.meshwork.blob.testing.FakeJobs;
import io.meshwork.blob.testing.MutableClock;
import io.meshwork.content.Cid;
import io.meshwork.runtime.errors.MeshException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob store's rules, run against each catalog (SQLite, PostgreSQL) over the file store: this
 * is the catalog's test suite, exercised the way production uses it.
 */
abstract class BlobRepositoryTest {
  static final String ALICE = "did:key:alice";
  static final String BOB = "did:key:bob";
  static final String EVE = "did:key:eve";
  static final String EXECUTOR = "did:key:executor";
  static final String ORCHESTRATOR = "did:key:orchestrator";
  static final BlobLimits LIMITS =
      new BlobLimits(
          64 * 1024, 2_000_000, 1_000_000, 3, 100_000, Duration.ofHours(1), Duration.ofMinutes(10));

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final FakeJobs jobs = new FakeJobs().reader(ORCHESTRATOR);
  BlobCatalog catalog;
  BlobStore store;
  BlobRepository blobs;

  /** A new, empty catalog (or, the second time in a test, the same one opened again). */
  abstract BlobCatalog openCatalog();

  @BeforeEach
  void open() {
    catalog = openCatalog();
    store = FileBlobStore.open(dir.resolve("bytes"));
    blobs = new BlobRepository(store, catalog, jobs, clock, LIMITS);
  }

  @AfterEach
  void close() {
    catalog.close();
    store.close();
  }

  /** Closes everything and opens it again over the same files: a restart. */
  void restart() {
    close();
    open();
  }

  UploadSession create(String caller, String requestId, long size) {
    return blobs.createUpload(
        caller, new BlobRepository.NewUpload(requestId, size, Optional.empty(), Optional.empty()));
  }

  long charged(String did) {
    return catalog.read(r -> r.bytesCharged(did));
  }

  static void send(UploadWriter writer, byte[] data, int from, int to) {
    for (int at = from; at < to; at += 50_000) {
      writer.write(ByteBuffer.wrap(data, at, Math.min(50_000, to - at)));
    }
  }

  /** Uploads {@code data} in one call and returns the completed upload. */
  UploadSession upload(String caller, String requestId, byte[] data) {
    UploadSession open = create(caller, requestId, data.length);
    UploadWriter writer = blobs.openWriter(caller, open.uploadId(), 0);
    send(writer, data, 0, data.length);
    return writer.finish();
  }

  static MeshException refused(MeshException.Kind kind, String reason, Executable call) {
    MeshException e = assertThrows(MeshException.class, call);
    assertEquals(kind, e.kind(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void anUploadBecomesABlobNamedByItsBytes() {
    byte[] data = Bytes.random(333_333, 1);
    UploadSession done = upload(ALICE, "r1", data);
    assertEquals(UploadState.COMPLETE, done.state());
    assertEquals(Cid.of(data), done.cid());
    BlobRecord blob = blobs.blob(ALICE, done.cid());
    assertEquals(data.length, blob.size());
    try (BlobRange range = blobs.openRange(ALICE, done.cid(), 1000, 2000)) {
      assertArrayEquals(Arrays.copyOfRange(data, 1000, 3000), Bytes.readAll(range.bytes()));
    }
    try (BlobRange rest = blobs.openRange(ALICE, done.cid(), 333_000, 0)) {
      assertEquals(333, rest.length());
    }
    refused(
        MeshException.Kind.INVALID_ARGUMENT,
        BlobErrors.INVALID_FIELD,
        () -> blobs.openRange(ALICE, done.cid(), 333_000, 334));
  }

  @Test
  void aBrokenOffUploadContinuesFromItsAcknowledgedOffsetAfterARestart() {
    byte[] data = Bytes.random(420_000, 2);
    UploadSession open = create(ALICE, "r1", data.length);
    UploadWriter first = blobs.openWriter(ALICE, open.uploadId(), 0);
    send(first, data, 0, 250_000);
    // Checkpoints came at 100,000 and 200,000; abandoning keeps the rest too (files can).
    assertEquals(200_000, first.upload().acknowledgedOffset());
    first.abandon();
    assertEquals(250_000, blobs.upload(ALICE, open.uploadId()).acknowledgedOffset());

    restart();
    refused(
        MeshException.Kind.FAILED_PRECONDITION,
        BlobErrors.OFFSET_MISMATCH,
        () -> blobs.openWriter(ALICE, open.uploadId(), 0));
    UploadWriter second = blobs.openWriter(ALICE, open.uploadId(), 250_000);
    send(second, data, 250_000, data.length);
    UploadSession done = second.finish();
    assertEquals(Cid.of(data), done.cid());
    try (BlobRange all = blobs.openRange(ALICE, done.cid(), 0, 0)) {
      assertArrayEquals(data, Bytes.readAll(all.bytes()));
    }
  }

  @Test
  void aCallThatEndsEarlyLeavesTheUploadOpenAtItsOffset() {
    byte[] data = Bytes.random(150_000, 3);
    UploadSession open = create(ALICE, "r1", data.length);
    UploadWriter first = blobs.openWriter(ALICE, open.uploadId(), 0);
    send(first, data, 0, 120_000);
    UploadSession partial = first.finish();
    assertEquals(UploadState.OPEN, partial.state());
    assertEquals(120_000, partial.acknowledgedOffset());
    UploadWriter second = blobs.openWriter(ALICE, open.uploadId(), 120_000);
    send(second, data, 120_000, data.length);
    assertEquals(Cid.of(data), second.finish().cid());
  }

  @Test
  void onlyOneCallStreamsToAnUploadAndOnlyItsUploader() {
    UploadSession open = create(ALICE, "r1", 10);
    UploadWriter writer = blobs.openWriter(ALICE, open.uploadId(), 0);
    refused(
        MeshException.Kind.FAILED_PRECONDITION,
        BlobErrors.UPLOAD_BUSY,
        () -> blobs.openWriter(ALICE, open.uploadId(), 0));
    refused(
        MeshException.Kind.FAILED_PRECONDITION,
        BlobErrors.UPLOAD_BUSY,
        () -> blobs.cancelUpload(ALICE, open.uploadId()));
    writer.abandon();
    refused(
        MeshException.Kind.PERMISSION_DENIED,
        BlobErrors.NOT_UPLOADER,
        () -> blobs.openWriter(EVE, open.uploadId(), 0));
    refused(
        MeshException.Kind.PERMISSION_DENIED,
        BlobErrors.NOT_UPLOADER,
        () -> blobs.upload(EVE, open.uploadId()));
    refused(
        MeshException.Kind.NOT_FOUND,
        BlobErrors.UPLOAD_NOT_FOUND,
        () -> blobs.upload(ALICE, "up-nothing"));
  }

  @Test
  void aRequestIdRetriedGivesTheSameUploadAndReusedOtherwiseIsRefused() {
    UploadSession first = create(ALICE, "r1", 100);
    assertEquals(first, create(ALICE, "r1", 100));
    refused(
        MeshException.Kind.ALREADY_EXISTS,
        BlobErrors.REQUEST_ID_REUSED,
        () -> create(ALICE, "r1", 101));
    // Request ids are each caller's own.
    assertTrue(!create(BOB, "r1", 100).uploadId().equals(first.uploadId()));
  }

  @Test
  void sizeFrameAndDeclaredSizeLimitsAreRefused() {
    refused(
        MeshException.Kind.INVALID_ARGUMENT,
        BlobErrors.BLOB_TOO_LARGE,
        () -> create(ALICE, "big", LIMITS.maxBlobBytes() + 1));
    refused(
        MeshException.Kind.INVALID_ARGUMENT, BlobErrors.INVALID_FIELD, () -> create(ALICE, "", 1));
    UploadSession open = create(ALICE, "r1", 100_000);
    UploadWriter writer = blobs.openWriter(ALICE, open.uploadId(), 0);
    refused(
        MeshException.Kind.INVALID_ARGUMENT,
        BlobErrors.FRAME_TOO_LARGE,
        () -> writer.write(ByteBuffer.allocate(LIMITS.maxFrameBytes() + 1)));
    writer.write(ByteBuffer.allocate(60_000));
    refused(
        MeshException.Kind.INVALID_ARGUMENT,
        BlobErrors.SIZE_EXCEEDED,
        () -> writer.write(ByteBuffer.allocate(40_001)));
    writer.abandon();
    assertEquals(60_000, blobs.upload(ALICE, open.uploadId()).acknowledgedOffset());
  }

  @Test
  void theQuotaCountsHeldBlobsAndOpenUploads() {
    upload(ALICE, "r1", Bytes.random(600_000, 4));
    UploadSession open = create(ALICE, "r2", 300_000);
    MeshException e =
        refused(
            MeshException.Kind.RESOURCE_EXHAUSTED,
            BlobErrors.QUOTA_EXCEEDED,
            () -> create(ALICE, "r3", 100_001));
    assertEquals("900000", e.metadata().get("charged_bytes"));
    blobs.cancelUpload(ALICE, open.uploadId());
    create(ALICE, "r3", 100_001);
    // Bob's quota is his own.
    create(BOB, "r1", 900_000);
  }

  @Test
  void anUploaderHasAFewOpenUploadsAtMost() {
    for (int i = 0; i < LIMITS.maxOpenUploads(); i++) {
      create(ALICE, "r" + i, 1);
    }
    refused(
        MeshException.Kind.RESOURCE_EXHAUSTED,
        BlobErrors.TOO_MANY_UPLOADS,
        () -> create(ALICE, "one-more", 1));
  }

  @Test
  void theSameBytesAreStoredOnceAndEachUploaderHoldsThem() {
    byte[] data = Bytes.random(200_000, 5);
    String cid = upload(ALICE, "r1", data).cid();
    assertEquals(cid, upload(BOB, "r1", data).cid());
    assertEquals(data.length, blobs.blob(BOB, cid).size());
    assertEquals(data.length, charged(BOB), "each holder is charged");
    // One who holds the blob and declares it sends nothing.
    UploadSession again =
        blobs.createUpload(
            ALICE,
            new BlobRepository.NewUpload("r2", data.length, Optional.of(cid), Optional.empty()));
    assertEquals(UploadState.COMPLETE, again.state());
    assertEquals(cid, again.cid());
    // One who does not hold it must send every byte, declared or not.
    UploadSession eve =
        blobs.createUpload(
            EVE,
            new BlobRepository.NewUpload("r1", data.length, Optional.of(cid), Optional.empty()));
    assertEquals(UploadState.OPEN, eve.state());
  }

  @Test
  void bytesThatAreNotTheDeclaredCidAreRefusedAndDropped() {
    byte[] data = Bytes.random(150_000, 6);
    String other = Cid.of(new byte[] {1});
    UploadSession open =
        blobs.createUpload(
            ALICE,
            new BlobRepository.NewUpload("r1", data.length, Optional.of(other), Optional.empty()));
    UploadWriter writer = blobs.openWriter(ALICE, open.uploadId(), 0);
    send(writer, data, 0, data.length);
    MeshException e =
        refused(MeshException.Kind.INVALID_ARGUMENT, BlobErrors.CID_MISMATCH, writer::finish);
    assertEquals(Cid.of(data), e.metadata().get("actual_cid"));
    assertEquals(UploadState.FAILED, blobs.upload(ALICE, open.uploadId()).state());
    assertTrue(store.length(Cid.of(data)).isEmpty());
    assertEquals(0, charged(ALICE));
    refused(
        MeshException.Kind.FAILED_PRECONDITION,
        BlobErrors.UPLOAD_CLOSED,
        () -> blobs.openWriter(ALICE, open.uploadId(), 0));
    refused(
        MeshException.Kind.INVALID_ARGUMENT,
        BlobErrors.INVALID_FIELD,
        () ->
            blobs.createUpload(
                ALICE,
                new BlobRepository.NewUpload(
                    "r2", 1, Optional.of("bnot-a-cid"), Optional.empty())));
  }

  @Test
  void readersAreHoldersWorkersOnAJobUsingTheBlobAndTheAllSeeing() {
    String cid = upload(ALICE, "r1", Bytes.random(1000, 7)).cid();
    String absent = Cid.of(new byte[] {42});
    // A stranger is refused alike whether the blob exists or not.
    refused(
        MeshException.Kind.PERMISSION_DENIED,
        BlobErrors.BLOB_ACCESS_DENIED,
        () -> blobs.blob(EVE, cid));
    refused(
        MeshException.Kind.PERMISSION_DENIED,
        BlobErrors.BLOB_ACCESS_DENIED,
        () -> blobs.blob(EVE, absent));
    jobs.job("job-1", ALICE).worker("job-1", EXECUTOR);
    refused(
        MeshException.Kind.PERMISSION_DENIED,
        BlobErrors.BLOB_ACCESS_DENIED,
        () -> blobs.blob(EXECUTOR, cid));
    blobs.use("job-1", cid);
    assertEquals(cid, blobs.blob(EXECUTOR, cid).cid());
    assertTrue(blobs.mayRead(EXECUTOR, cid));
    assertEquals(cid, blobs.blob(ORCHESTRATOR, cid).cid());
    refused(
        MeshException.Kind.NOT_FOUND,
        BlobErrors.BLOB_NOT_FOUND,
        () -> blobs.blob(ORCHESTRATOR, absent));
    blobs.release("job-1");
    assertTrue(!blobs.mayRead(EXECUTOR, cid));
  }

  @Test
  void aBlobUploadedForAJobBelongsToItsSubmitter() {
    jobs.job("job-1", ALICE).worker("job-1", EXECUTOR);
    byte[] result = Bytes.random(5000, 8);
    BlobRepository.NewUpload forJob =
        new BlobRepository.NewUpload(
            "res-1", result.length, Optional.empty(), Optional.of("job-1"));
    refused(
        MeshException.Kind.PERMISSION_DENIED,
        BlobErrors.NOT_ON_JOB,
        () -> blobs.createUpload(EVE, forJob));
    UploadSession open = blobs.createUpload(EXECUTOR, forJob);
    assertEquals(ALICE, open.ownerDid());
    UploadWriter writer = blobs.openWriter(EXECUTOR, open.uploadId(), 0);
    send(writer, result, 0, result.length);
    String cid = writer.finish().cid();
    assertEquals(result.length, charged(ALICE));
    assertEquals(0, charged(EXECUTOR));
    assertEquals(List.of("job-1"), catalog.read(r -> r.jobsUsing(cid, "", 10)));

    assertEquals(List.of(cid), blobs.release("job-1"));
    assertEquals(cid, blobs.blob(ALICE, cid).cid(), "the submitter holds it after the job");
    refused(
        MeshException.Kind.FAILED_PRECONDITION,
        BlobErrors.JOB_RELEASED,
        () ->
            blobs.createUpload(
                EXECUTOR,
                new BlobRepository.NewUpload("res-2", 1, Optional.empty(), Optional.of("job-1"))));
    refused(
        MeshException.Kind.FAILED_PRECONDITION,
        BlobErrors.JOB_RELEASED,
        () -> blobs.use("job-1", cid));
  }

  @Test
  void aBlobGoesOnlyOnceNoJobHasUsedItForTheRetentionPeriod() {
    byte[] data = Bytes.random(2000, 9);
    String cid = upload(ALICE, "r1", data).cid();
    jobs.job("job-1", ALICE);
    blobs.use("job-1", cid);
    clock.advance(Duration.ofHours(5));
    assertEquals(0, blobs.sweep().blobsRemoved(), "in use");

    blobs.release("job-1");
    clock.advance(Duration.ofMinutes(59));
    assertEquals(0, blobs.sweep().blobsRemoved(), "within retention");
    clock.advance(Duration.ofMinutes(1));
    assertEquals(1, blobs.sweep().blobsRemoved());
    assertTrue(store.length(cid).isEmpty());
    refused(
        MeshException.Kind.NOT_FOUND,
        BlobErrors.BLOB_NOT_FOUND,
        () -> blobs.blob(ORCHESTRATOR, cid));
    assertEquals(0, charged(ALICE), "the quota is free again");
    // The same bytes can be stored again afterwards.
    assertEquals(cid, upload(ALICE, "r2", data).cid());
  }

  @Test
  void anIdleUploadExpiresAndFreesItsQuota() {
    UploadSession open = create(ALICE, "r1", 900_000);
    UploadWriter writer = blobs.openWriter(ALICE, open.uploadId(), 0);
    send(writer, Bytes.random(150_000, 10), 0, 150_000);
    writer.abandon();
    clock.advance(Duration.ofMinutes(9));
    assertEquals(0, blobs.sweep().uploadsExpired());
    clock.advance(Duration.ofMinutes(2));
    assertEquals(1, blobs.sweep().uploadsExpired());
    assertEquals(UploadState.CANCELLED, blobs.upload(ALICE, open.uploadId()).state());
    assertEquals(0, charged(ALICE));
    // Closed uploads are remembered for the retention period, then forgotten.
    clock.advance(Duration.ofHours(2));
    assertTrue(blobs.sweep().recordsForgotten() >= 1);
    refused(
        MeshException.Kind.NOT_FOUND,
        BlobErrors.UPLOAD_NOT_FOUND,
        () -> blobs.upload(ALICE, open.uploadId()));
  }

  @Test
  void aCancelledUploadFreesItsQuotaAndTakesNoMoreBytes() {
    UploadSession open = create(ALICE, "r1", 1_000_000);
    UploadSession cancelled = blobs.cancelUpload(ALICE, open.uploadId());
    assertEquals(UploadState.CANCELLED, cancelled.state());
    assertEquals(cancelled, blobs.cancelUpload(ALICE, open.uploadId()));
    refused(
        MeshException.Kind.FAILED_PRECONDITION,
        BlobErrors.UPLOAD_CLOSED,
        () -> blobs.openWriter(ALICE, open.uploadId(), 0));
    create(ALICE, "r2", 1_000_000);
  }

  @Test
  void anEmptyBlobIsABlob() {
    UploadSession done = upload(ALICE, "r1", new byte[0]);
    assertEquals(Cid.of(new byte[0]), done.cid());
    try (BlobRange range = blobs.openRange(ALICE, done.cid(), 0, 0)) {
      assertEquals(0, range.length());
    }
  }
}
