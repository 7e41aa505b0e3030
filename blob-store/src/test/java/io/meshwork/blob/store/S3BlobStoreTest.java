package io.meshwork.blob.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.blob.core.BlobStore;
import io.meshwork.blob.core.PresignedRange;
import io.meshwork.blob.testing.Bytes;
import io.meshwork.content.Cid;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract against S3Proxy, plus what only S3 does: presigned ranges, server copies. */
class S3BlobStoreTest extends BlobStoreContract {
  @TempDir static Path proxyDir;
  @TempDir Path spool;
  private static S3Proxies s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3Proxies.start(proxyDir.resolve("s3"));
  }

  @AfterAll
  static void stopS3() {
    s3.close();
  }

  @Override
  protected BlobStore openStore() {
    return S3BlobStore.open(s3.options(s3.newBucket(), spool));
  }

  @Test
  void aPresignedRangeFetchesThatRangeWithoutCredentialsAndNoOther() throws Exception {
    byte[] data = Bytes.random(200_000, 11);
    String cid = commit("up-presigned", data);
    PresignedRange range = store.presignRange(cid, 1000, 5000, Duration.ofMinutes(5)).orElseThrow();
    assertEquals("bytes=1000-5999", range.headers().get("Range"));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest.Builder get =
        HttpRequest.newBuilder(range.url()).timeout(Duration.ofSeconds(30)).GET();
    range.headers().forEach(get::header);
    HttpResponse<byte[]> ok = http.send(get.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(206, ok.statusCode());
    assertArrayEquals(Arrays.copyOfRange(data, 1000, 6000), ok.body());

    // The Range header is part of the signature: another range is refused.
    HttpResponse<byte[]> other =
        http.send(
            HttpRequest.newBuilder(range.url())
                .timeout(Duration.ofSeconds(30))
                .header("Range", "bytes=0-199999")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(403, other.statusCode());
  }

  @Test
  void aLargeUndeclaredBlobIsCopiedInsideS3PartByPart() {
    // Copy in 5 MiB parts from the first byte, as a blob beyond 5 GiB would be.
    try (BlobStore copying =
        S3BlobStore.open(s3.options(s3.newBucket(), spool), 0, S3BlobStore.MIN_PART_BYTES)) {
      byte[] data = Bytes.random((int) (2 * S3BlobStore.MIN_PART_BYTES + 77), 12);
      BlobStore.Staged staged = copying.stage("up-copy", Optional.empty(), 0, "");
      write(staged, data, 0, (int) S3BlobStore.MIN_PART_BYTES + 10, 1 << 20);
      staged.persist();
      write(staged, data, (int) S3BlobStore.MIN_PART_BYTES + 10, data.length, 1 << 20);
      String cid = Cid.of(data);
      staged.commit(cid);
      assertEquals(data.length, copying.length(cid).orElseThrow());
      assertArrayEquals(data, Bytes.readAll(copying.read(cid, 0, data.length)));
      assertTrue(
          Arrays.equals(
              Arrays.copyOfRange(data, 5_000_000, 6_000_000),
              Bytes.readAll(copying.read(cid, 5_000_000, 1_000_000))));
    }
  }
}
