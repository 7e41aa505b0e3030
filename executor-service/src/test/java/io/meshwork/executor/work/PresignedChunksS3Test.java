package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshwork.blob.core.BlobStore;
import io.meshwork.blob.core.PresignedRange;
import io.meshwork.blob.store.S3BlobStore;
import io.meshwork.blob.store.S3Proxies;
import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chunk read through a URL the real S3 store presigned, from S3Proxy inside the test JVM (which
 * checks AWS signatures): what the executor sends is exactly what the signature covers, and a URL
 * signed for another range is refused by the store and falls back to the blob service.
 */
class PresignedChunksS3Test {
  @TempDir static Path dir;
  private static S3Proxies s3;
  private static BlobStore store;
  private static byte[] blob;
  private static String blobCid;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3Proxies.start(dir.resolve("s3"));
    store = S3BlobStore.open(s3.options(s3.newBucket(), dir.resolve("spool")));
    blob = new byte[300_000];
    new Random(9).nextBytes(blob);
    blobCid = Cid.of(blob);
    try (BlobStore.Staged staged = store.stage("up-1", Optional.empty(), 0, "")) {
      staged.write(ByteBuffer.wrap(blob));
      staged.commit(blobCid);
    }
  }

  @AfterAll
  static void stop() {
    store.close();
    s3.close();
  }

  /** The reference the orchestrator sends for [offset, offset + length), with {@code url}. */
  private static ChunkReference ref(long offset, int length, PresignedRange url) {
    // What the orchestrator hands out (StoredInputs): only URLs whose one header is the range.
    assertEquals(Map.of("Range", "bytes=" + offset + "-" + (offset + length - 1)), url.headers());
    return ChunkReference.newBuilder()
        .setBlobCid(blobCid)
        .setOffset(offset)
        .setLength(length)
        .setChunkCid(Cid.of(Arrays.copyOfRange(blob, (int) offset, (int) offset + length)))
        .setUrl(url.url().toString())
        .setUrlExpiresAt(url.expiresAt().toEpochMilli())
        .build();
  }

  @Test
  void theChunkComesFromS3WithoutCredentialsAndAnotherRangesUrlFallsBack() throws Exception {
    Streams link = new Streams();
    ReferencedChunks chunks =
        new ReferencedChunks(
            link,
            ChunkCache.disabled(),
            1L << 20,
            // S3Proxy speaks plain http on loopback.
            new PresignedChunks(true, Clock.systemUTC()));
    PresignedRange signed =
        store.presignRange(blobCid, 100_000, 70_000, Duration.ofMinutes(2)).orElseThrow();

    byte[] read =
        chunks.read(ref(100_000, 70_000, signed), "orchestrator:7000", Duration.ofSeconds(20));

    assertArrayEquals(Arrays.copyOfRange(blob, 100_000, 170_000), read);
    assertEquals(List.of(), link.ranges, "the blob service was asked although the URL worked");

    // The same URL for the range next to it: the Range header the executor sends is not the one
    // signed, so S3 refuses, and the chunk comes from the blob service instead.
    PresignedRange other =
        store.presignRange(blobCid, 0, 70_000, Duration.ofMinutes(2)).orElseThrow();
    ChunkReference wrongUrl =
        ref(0, 70_000, other).toBuilder()
            .setOffset(170_000)
            .setChunkCid(Cid.of(Arrays.copyOfRange(blob, 170_000, 240_000)))
            .build();

    byte[] fallback = chunks.read(wrongUrl, "orchestrator:7000", Duration.ofSeconds(20));

    assertArrayEquals(Arrays.copyOfRange(blob, 170_000, 240_000), fallback);
    assertEquals(List.of("170000+70000"), link.ranges);
  }

  /** The orchestrator's blob service, reading the same bytes. */
  private static final class Streams implements OrchestratorLink {
    final List<String> ranges = new CopyOnWriteArrayList<>();

    @Override
    public void fetchRange(
        String endpoint,
        String cid,
        long offset,
        long length,
        Duration deadline,
        Consumer<ByteBuffer> frames) {
      ranges.add(offset + "+" + length);
      frames.accept(ByteBuffer.wrap(blob, (int) offset, (int) length));
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
