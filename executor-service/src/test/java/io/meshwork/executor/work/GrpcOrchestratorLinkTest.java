package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.meshwork.blob.BlobService;
import io.meshwork.blob.BlobSettings;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.JobAccess;
import io.meshwork.blob.core.UploadWriter;
import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.content.Cid;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsSchema;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk download of {@link GrpcOrchestratorLink} against a real {@code
 * meshwork.blob.v1.BlobService} (the blob-store module's, under {@link ServiceHost} with its access
 * table and error mapping), over the in-process transport, as an executor holding a task of the job
 * that uses the blob.
 */
class GrpcOrchestratorLinkTest {
  private static final String JOB = "job-1";

  @TempDir Path dataDir;
  private final Identity submitter = Identity.generate();
  private final Identity executor = Identity.generate();
  private final Identity stranger = Identity.generate();
  private final byte[] blob = new byte[100_000];
  private ServiceHost host;
  private ManagedChannel channel;
  private BlobService blobs;
  private String blobCid;

  @BeforeEach
  void start() {
    new Random(15).nextBytes(blob);
    // The orchestrator's JobBlobAccess answers this way while the executor holds an assignment.
    JobAccess jobs =
        new JobAccess() {
          @Override
          public boolean worksOn(String did, String jobId) {
            return JOB.equals(jobId) && (did.equals(submitter.did()) || did.equals(executor.did()));
          }

          @Override
          public Optional<String> submitter(String jobId) {
            return JOB.equals(jobId) ? Optional.of(submitter.did()) : Optional.empty();
          }

          @Override
          public boolean readsAll(String did) {
            return false;
          }
        };
    host =
        InProcessHost.start(
            "blobs",
            SettingsSchema.of("blobs", SharedSettings.ALL, BlobSettings.KEYS),
            // Small frames, so that a chunk arrives in several.
            new MapSettings(
                Map.of("data-dir", dataDir.toString(), "blobs.max-frame-bytes", "4096")),
            ctx -> {
              blobs = BlobService.open(ctx, jobs);
              return new MeshService() {
                @Override
                public List<GuardedService> grpcServices() {
                  return List.of(blobs.grpcService());
                }

                @Override
                public void close() {
                  blobs.close();
                }
              };
            });
    channel = InProcessHost.channel(host);
    // The job's input, uploaded for the job, which therefore uses it.
    BlobRepository repository = blobs.repository();
    String uploadId =
        repository
            .createUpload(
                submitter.did(),
                new BlobRepository.NewUpload(
                    "input", blob.length, Optional.empty(), Optional.of(JOB)))
            .uploadId();
    UploadWriter writer = repository.openWriter(submitter.did(), uploadId, 0);
    for (int at = 0; at < blob.length; at += 4096) {
      writer.write(ByteBuffer.wrap(blob, at, Math.min(4096, blob.length - at)));
    }
    blobCid = writer.finish().cid();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    host.close();
  }

  private GrpcOrchestratorLink linkOf(Identity who) {
    return new GrpcOrchestratorLink(
        target -> channel, new BearerCredentials(who, Clock.systemUTC()));
  }

  @Test
  void anExecutorOnTheJobDownloadsExactlyTheRangeInFrames() {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    List<Integer> frames = new ArrayList<>();

    linkOf(executor)
        .fetchRange(
            "orchestrator:7000",
            blobCid,
            10_000,
            20_000,
            Duration.ofSeconds(10),
            frame -> {
              frames.add(frame.remaining());
              byte[] bytes = new byte[frame.remaining()];
              frame.get(bytes);
              received.writeBytes(bytes);
            });

    byte[] expected = new byte[20_000];
    System.arraycopy(blob, 10_000, expected, 0, expected.length);
    assertArrayEquals(expected, received.toByteArray());
    assertTrue(frames.size() > 1, "one frame: " + frames);
  }

  @Test
  void aCallerWithoutATaskOfTheJobIsRefusedWithTheServicesReason() {
    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () ->
                linkOf(stranger)
                    .fetchRange(
                        "orchestrator:7000", blobCid, 0, 10, Duration.ofSeconds(10), f -> {}));

    assertTrue(
        refused.getMessage().startsWith("PERMISSION_DENIED BLOB_ACCESS_DENIED"),
        refused.getMessage());
  }

  @Test
  void aDownloadEndsAtItsDeadline() {
    IllegalStateException late =
        assertThrows(
            IllegalStateException.class,
            () ->
                linkOf(executor)
                    .fetchRange("orchestrator:7000", blobCid, 0, 10, Duration.ofNanos(1), f -> {}));

    assertTrue(late.getMessage().startsWith("DEADLINE_EXCEEDED"), late.getMessage());
  }

  @Test
  void aChunkDownloadedThroughTheLinkIsCheckedAndCached() throws Exception {
    byte[] chunk = new byte[30_000];
    System.arraycopy(blob, 50_000, chunk, 0, chunk.length);
    ChunkCache cache = ChunkCache.open(dataDir.resolve("chunks"), 1L << 20);
    ReferencedChunks chunks =
        new ReferencedChunks(
            linkOf(executor), cache, 1L << 20, new PresignedChunks(false, Clock.systemUTC()));

    byte[] read =
        chunks.read(
            ChunkReference.newBuilder()
                .setBlobCid(blobCid)
                .setOffset(50_000)
                .setLength(chunk.length)
                .setChunkCid(Cid.of(chunk))
                .build(),
            "orchestrator:7000",
            Duration.ofSeconds(10));

    assertArrayEquals(chunk, read);
    assertEquals(1, cache.size());
  }
}
