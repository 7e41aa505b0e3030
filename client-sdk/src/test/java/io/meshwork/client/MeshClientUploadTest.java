package io.meshwork.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MeshClient#upload} against the real blob service in process ({@link BlobMesh}): frames,
 * the CID, a stream broken midway, and a second client (as a second process would be) continuing
 * the first one's upload.
 */
class MeshClientUploadTest {
  @TempDir Path dir;
  private final Identity alice = Identity.generate();
  private BlobMesh blobs;

  /** Every progress report, as {sent, total}. */
  private final List<long[]> reports = new CopyOnWriteArrayList<>();

  private final UploadProgress recorder = (sent, total) -> reports.add(new long[] {sent, total});

  @BeforeEach
  void start() {
    blobs = new BlobMesh(dir.resolve("service"));
  }

  @AfterEach
  void stop() {
    blobs.close();
  }

  private Path file(String name, int size, long seed) throws Exception {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return Files.write(dir.resolve(name), data);
  }

  @Test
  void aFileGoesUpInFramesOfTheServicesSizeAndComesBackAsItsCid() throws Exception {
    Path file = file("input.bin", 3 * 1024 * 1024 + 123, 1);

    Blob blob;
    try (MeshClient mesh = blobs.client(alice)) {
      blob = mesh.upload(file, recorder);
    }

    assertEquals(Cid.of(Files.readAllBytes(file)), blob.cid());
    assertEquals(Files.size(file), blob.size());
    assertEquals(List.of(0L), blobs.faults.callOffsets);
    assertEquals(
        (Files.size(file) + BlobMesh.FRAME - 1) / BlobMesh.FRAME, blobs.faults.frames.get());
    long[] last = reports.get(reports.size() - 1);
    assertEquals(Files.size(file), last[0]);
    assertEquals(Files.size(file), last[1]);
    for (int i = 1; i < reports.size(); i++) {
      assertTrue(reports.get(i)[0] >= reports.get(i - 1)[0], "progress went back without a break");
    }
  }

  @Test
  void anEmptyFileIsABlobToo() throws Exception {
    Path file = Files.write(dir.resolve("empty"), new byte[0]);

    try (MeshClient mesh = blobs.client(alice)) {
      Blob blob = mesh.upload(file);
      assertEquals(new Blob(Cid.of(new byte[0]), 0), blob);
    }
  }

  @Test
  void aStreamBrokenMidwayContinuesFromTheAcknowledgedOffset() throws Exception {
    Path file = file("input.bin", 3 * 1024 * 1024, 2);
    blobs.faults.breakNextCallAfter(1024 * 1024 + 5 * BlobMesh.FRAME);

    Blob blob;
    try (MeshClient mesh = blobs.client(alice)) {
      blob = mesh.upload(file, recorder);
    }

    assertEquals(Cid.of(Files.readAllBytes(file)), blob.cid());
    // Resumed where the service had acknowledged: past its last checkpoint, not past what was
    // sent. (A resume may first be told the upload is still busy, so there may be more calls.)
    List<Long> calls = blobs.faults.callOffsets;
    assertTrue(calls.size() >= 2, "calls started at " + calls);
    assertEquals(0L, calls.get(0));
    for (long resumed : calls.subList(1, calls.size())) {
      assertTrue(resumed >= BlobMesh.CHECKPOINT, "calls started at " + calls);
      assertTrue(resumed <= 1024 * 1024 + 5 * BlobMesh.FRAME, "calls started at " + calls);
    }
    long last = calls.get(calls.size() - 1);
    assertTrue(reports.stream().anyMatch(r -> r[0] == last), "progress restarted at " + last);
  }

  @Test
  void anotherClientOfTheSameIdentityContinuesTheUploadAndThenGetsTheBlobAtOnce() throws Exception {
    Path file = file("input.bin", 3 * 1024 * 1024, 3);
    long stopAt = 1536 * 1024;

    // The first "process" stops halfway, as if killed: its listener throws.
    try (MeshClient first = blobs.client(alice)) {
      IllegalStateException killed =
          assertThrows(
              IllegalStateException.class,
              () ->
                  first.upload(
                      file,
                      (sent, total) -> {
                        if (sent >= stopAt) {
                          throw new IllegalStateException("killed");
                        }
                      }));
      assertEquals("killed", killed.getMessage());
    }
    Blob blob;
    try (MeshClient second = blobs.client(alice)) {
      blob = second.upload(file, recorder);
    }
    long framesAfterSecond = blobs.faults.frames.get();
    Blob again;
    try (MeshClient third = blobs.client(alice)) {
      again = third.upload(file);
    }

    assertEquals(Cid.of(Files.readAllBytes(file)), blob.cid());
    // The second client never started from 0 again: it continued the first one's upload.
    List<Long> calls = blobs.faults.callOffsets;
    assertTrue(calls.size() >= 2, "calls started at " + calls);
    assertEquals(0L, calls.get(0));
    for (long resumed : calls.subList(1, calls.size())) {
      assertTrue(resumed > 0 && resumed <= stopAt, "calls started at " + calls);
    }
    assertTrue(reports.get(0)[0] > 0, "the second client's progress started at 0");
    // The third found the completed upload and sent nothing.
    assertEquals(blob, again);
    assertEquals(framesAfterSecond, blobs.faults.frames.get());
  }

  @Test
  void theRequestIdFollowsTheFilesPathSizeAndModificationTime() throws Exception {
    Path file = file("input.bin", 1000, 4);
    String id = BlobUploader.requestId(BlobUploader.FileVersion.of(file), Optional.empty());

    assertEquals(id, BlobUploader.requestId(BlobUploader.FileVersion.of(file), Optional.empty()));
    assertNotEquals(
        id,
        BlobUploader.requestId(
            BlobUploader.FileVersion.of(file), Optional.of(Cid.of(Files.readAllBytes(file)))));
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    assertNotEquals(
        id, BlobUploader.requestId(BlobUploader.FileVersion.of(file), Optional.empty()));
    Path copy = Files.copy(file, dir.resolve("copy.bin"));
    Files.setLastModifiedTime(copy, Files.getLastModifiedTime(file));
    assertNotEquals(
        BlobUploader.requestId(BlobUploader.FileVersion.of(file), Optional.empty()),
        BlobUploader.requestId(BlobUploader.FileVersion.of(copy), Optional.empty()));
  }

  @Test
  void aDeclaredCidThatTheBytesDoNotHaveIsRefused() throws Exception {
    Path file = file("input.bin", 200_000, 5);
    String other = Cid.of(new byte[] {1, 2, 3});

    try (MeshClient mesh = blobs.client(alice)) {
      MeshClientException e =
          assertThrows(MeshClientException.class, () -> mesh.upload(file, other, recorder));
      assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.code());
      assertEquals(Optional.of("CID_MISMATCH"), e.reason());
    }
  }

  @Test
  void theUploadCallsDeadlineGrowsWithTheBytesToSend() {
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .identity(alice)
            .callDeadline(java.time.Duration.ofSeconds(30))
            .build();
    BlobUploader uploader = new BlobUploader(null, null, options, "test");

    assertEquals(java.time.Duration.ofSeconds(30), uploader.deadline(0));
    assertEquals(java.time.Duration.ofSeconds(31), uploader.deadline(1));
    assertEquals(java.time.Duration.ofSeconds(30 + 1024), uploader.deadline(1L << 30));
  }
}
