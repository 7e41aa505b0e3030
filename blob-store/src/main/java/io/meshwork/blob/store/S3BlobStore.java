package io.meshwork.blob.store;

import io.meshwork.blob.core.BlobErrors;
import io.meshwork.blob.core.BlobStore;
import io.meshwork.blob.core.PresignedRange;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

/**
 * Blob bytes in an S3-compatible object store, for clusters: AWS S3, or anything speaking its API.
 *
 * <p>A blob is the object {@code PREFIX/blobs/CID}. An upload's bytes go to a multipart upload:
 * frames collect in a local spool file (so memory holds none of them), and each persist sends the
 * spool as one part, which is what makes an acknowledgement durable; the S3 rule that every part
 * but the last has at least 5 MiB is why {@link Staged#minPersistBytes()} is 5 MiB here. The token
 * a persist returns names the multipart upload, so after a restart the store asks S3 which parts it
 * has and goes on. A small blob that never needed a part is sent in one PUT at the end.
 *
 * <p>When the uploader declared the CID, the multipart upload is made on the blob's own key: it
 * stays invisible until completed, and is completed only once the bytes hash to that CID. Otherwise
 * it is made on {@code PREFIX/uploads/UPLOAD_ID} and copied to the blob's key inside S3 at the end
 * (in ranges, beyond 5 GiB), so the bytes never come back through this process.
 *
 * <p>The client sends and checks checksums only where S3 requires them ({@code WHEN_REQUIRED}):
 * recent SDKs otherwise add checksum headers that some S3-compatible servers refuse, and the blob's
 * own SHA-256 is checked here anyway. Every call has a deadline ({@link Options#timeout}).
 */
public final class S3BlobStore implements BlobStore {
  /** S3's smallest part, except the last. */
  public static final long MIN_PART_BYTES = 5L << 20;

  /** S3's most parts in one multipart upload. */
  public static final int MAX_PARTS = 10_000;

  // CopyObject copies at most 5 GiB; larger blobs are copied part by part.
  private static final long MAX_SINGLE_COPY_BYTES = 5L << 30;
  private static final long COPY_PART_BYTES = 1L << 30;
  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  /**
   * How to reach the bucket.
   *
   * @param endpoint the S3 endpoint, or empty for AWS's own in {@code region}
   * @param region the signing region
   * @param bucket the bucket, which must exist
   * @param prefix put before every key ("" or something ending in {@code /})
   * @param accessKey the access key id, or empty to use the SDK's default credentials (environment,
   *     profile, instance role)
   * @param secretKey the secret key, with {@code accessKey}
   * @param pathStyle address the bucket in the path rather than the host name (most S3-compatible
   *     servers want this)
   * @param spoolDir where uploads collect the bytes of their next part
   * @param timeout the longest one S3 request may take, and the longest a read may stall
   */
  public record Options(
      Optional<URI> endpoint,
      String region,
      String bucket,
      String prefix,
      Optional<String> accessKey,
      Optional<String> secretKey,
      boolean pathStyle,
      Path spoolDir,
      Duration timeout) {}

  private final S3Client s3;
  private final S3Presigner presigner;
  private final String bucket;
  private final String prefix;
  private final Path spoolDir;
  private final long maxSingleCopyBytes;
  private final long copyPartBytes;

  S3BlobStore(
      S3Client s3,
      S3Presigner presigner,
      Options options,
      long maxSingleCopyBytes,
      long copyPartBytes) {
    this.s3 = s3;
    this.presigner = presigner;
    this.bucket = options.bucket();
    this.prefix = options.prefix();
    this.spoolDir = options.spoolDir();
    this.maxSingleCopyBytes = maxSingleCopyBytes;
    this.copyPartBytes = copyPartBytes;
  }

  /** Connects to the bucket that {@code options} name and checks that it can be reached. */
  public static S3BlobStore open(Options options) {
    return open(options, MAX_SINGLE_COPY_BYTES, COPY_PART_BYTES);
  }

  static S3BlobStore open(Options options, long maxSingleCopyBytes, long copyPartBytes) {
    try {
      Files.createDirectories(options.spoolDir());
    } catch (IOException e) {
      throw new MeshException(
          MeshException.Kind.INTERNAL,
          "STORAGE_FAILURE",
          "cannot create the spool directory " + options.spoolDir() + ": " + e.getMessage(),
          e);
    }
    AwsCredentialsProvider credentials =
        options.accessKey().isPresent()
            ? StaticCredentialsProvider.create(
                AwsBasicCredentials.create(
                    options.accessKey().get(), options.secretKey().orElse("")))
            : DefaultCredentialsProvider.builder().build();
    Region region = Region.of(options.region());
    S3ClientBuilder builder =
        S3Client.builder()
            .region(region)
            .credentialsProvider(credentials)
            .forcePathStyle(options.pathStyle())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .connectionTimeout(options.timeout())
                    .socketTimeout(options.timeout()))
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .apiCallAttemptTimeout(options.timeout())
                    .apiCallTimeout(options.timeout().multipliedBy(3))
                    .build());
    S3Presigner.Builder presign =
        S3Presigner.builder()
            .region(region)
            .credentialsProvider(credentials)
            .serviceConfiguration(
                S3Configuration.builder().pathStyleAccessEnabled(options.pathStyle()).build());
    options
        .endpoint()
        .ifPresent(
            uri -> {
              builder.endpointOverride(uri);
              presign.endpointOverride(uri);
            });
    S3Client s3 = builder.build();
    S3BlobStore store =
        new S3BlobStore(s3, presign.build(), options, maxSingleCopyBytes, copyPartBytes);
    try {
      store.call(
          "reach bucket " + options.bucket(), () -> s3.headBucket(b -> b.bucket(options.bucket())));
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  String blobKey(String cid) {
    if (cid.isEmpty() || cid.indexOf('/') >= 0) {
      throw new IllegalArgumentException("not a CID: " + cid);
    }
    return prefix + "blobs/" + cid;
  }

  private String stagingKey(String uploadId) {
    return prefix + "uploads/" + uploadId;
  }

  @Override
  public Staged stage(
      String uploadId, Optional<String> expectedCid, long persistedLength, String token) {
    if (!UPLOAD_ID.matcher(uploadId).matches()) {
      throw new IllegalArgumentException("not an upload id: " + uploadId);
    }
    String key;
    String multipartId;
    List<CompletedPart> parts = new ArrayList<>();
    if (token.isEmpty()) {
      if (persistedLength != 0) {
        throw BlobErrors.uploadLost(uploadId, "no multipart upload is recorded");
      }
      key = expectedCid.map(this::blobKey).orElseGet(() -> stagingKey(uploadId));
      multipartId = null;
    } else {
      int cut = token.indexOf('\n');
      if (cut < 0) {
        throw BlobErrors.uploadLost(uploadId, "its store token is not one of this store's");
      }
      key = token.substring(0, cut);
      multipartId = token.substring(cut + 1);
      parts.addAll(partsUpTo(uploadId, key, multipartId, persistedLength));
    }
    Path spool = spoolDir.resolve(uploadId + ".spool");
    try {
      FileChannel channel =
          FileChannel.open(
              spool,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.READ,
              StandardOpenOption.TRUNCATE_EXISTING);
      return new S3Staged(uploadId, key, multipartId, parts, persistedLength, spool, channel);
    } catch (IOException e) {
      throw new MeshException(
          MeshException.Kind.INTERNAL,
          "STORAGE_FAILURE",
          "cannot open the spool file of upload " + uploadId + ": " + e.getMessage(),
          e);
    }
  }

  /** The parts S3 holds that make up exactly {@code persisted} bytes, in order. */
  private List<CompletedPart> partsUpTo(
      String uploadId, String key, String multipartId, long persisted) {
    List<CompletedPart> kept = new ArrayList<>();
    long total = 0;
    Integer marker = null;
    while (total < persisted) {
      Integer from = marker;
      ListPartsResponse page;
      try {
        page =
            call(
                "list the parts of upload " + uploadId,
                () ->
                    s3.listParts(
                        b ->
                            b.bucket(bucket)
                                .key(key)
                                .uploadId(multipartId)
                                .partNumberMarker(from)));
      } catch (MeshException e) {
        if (e.getCause() instanceof NoSuchUploadException) {
          throw BlobErrors.uploadLost(uploadId, "S3 has no such multipart upload any more");
        }
        throw e;
      }
      for (Part p : page.parts()) {
        if (total >= persisted) {
          break;
        }
        if (p.partNumber() != kept.size() + 1) {
          throw BlobErrors.uploadLost(uploadId, "part " + (kept.size() + 1) + " is missing");
        }
        // Parts past the acknowledged ones were sent but never acknowledged; they are sent again
        // under the same numbers, which replaces them.
        kept.add(CompletedPart.builder().partNumber(p.partNumber()).eTag(p.eTag()).build());
        total += p.size();
      }
      if (!Boolean.TRUE.equals(page.isTruncated())) {
        break;
      }
      marker = page.nextPartNumberMarker();
    }
    if (total != persisted) {
      throw BlobErrors.uploadLost(
          uploadId, "S3 holds " + total + " bytes of parts, " + persisted + " were acknowledged");
    }
    return kept;
  }

  @Override
  public OptionalLong length(String cid) {
    try {
      return OptionalLong.of(
          call(
              "read the size of blob " + cid,
              () -> s3.headObject(b -> b.bucket(bucket).key(blobKey(cid))).contentLength()));
    } catch (MeshException e) {
      if (e.getCause() instanceof NoSuchKeyException
          || (e.getCause() instanceof S3Exception s && s.statusCode() == 404)) {
        return OptionalLong.empty();
      }
      throw e;
    }
  }

  @Override
  public InputStream read(String cid, long offset, long length) {
    if (length == 0) {
      return InputStream.nullInputStream();
    }
    String range = httpRange(offset, length);
    return call(
        "read blob " + cid,
        () -> s3.getObject(b -> b.bucket(bucket).key(blobKey(cid)).range(range)));
  }

  @Override
  public void delete(String cid) {
    call("delete blob " + cid, () -> s3.deleteObject(b -> b.bucket(bucket).key(blobKey(cid))));
  }

  @Override
  public Optional<PresignedRange> presignRange(String cid, long offset, long length, Duration ttl) {
    if (length <= 0) {
      throw new IllegalArgumentException("a presigned range needs at least one byte");
    }
    String range = httpRange(offset, length);
    PresignedGetObjectRequest presigned =
        presigner.presignGetObject(
            r ->
                r.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(blobKey(cid)).range(range)));
    try {
      // The Range header is signed, so the URL fetches this range and no other.
      return Optional.of(
          new PresignedRange(
              presigned.url().toURI(), Map.of("Range", range), presigned.expiration()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException("the SDK presigned an invalid URL", e);
    }
  }

  @Override
  public void close() {
    presigner.close();
    s3.close();
  }

  private static String httpRange(long offset, long length) {
    return "bytes=" + offset + "-" + (offset + length - 1);
  }

  private <T> T call(String what, Supplier<T> request) {
    try {
      return request.get();
    } catch (S3Exception e) {
      boolean retryable = e.statusCode() >= 500 || e.statusCode() == 429;
      throw new MeshException(
          retryable ? MeshException.Kind.UNAVAILABLE : MeshException.Kind.INTERNAL,
          retryable ? "STORAGE_UNAVAILABLE" : "STORAGE_FAILURE",
          "S3 refused to " + what + ": " + e.getMessage(),
          e);
    } catch (SdkClientException e) {
      throw MeshException.unavailable(
          "STORAGE_UNAVAILABLE", "cannot reach S3 to " + what + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new MeshException(
          MeshException.Kind.INTERNAL,
          "STORAGE_FAILURE",
          "S3 failed to " + what + ": " + e.getMessage(),
          e);
    }
  }

  /** One upload: a multipart upload (once a part was sent) and the spool of the next part. */
  private final class S3Staged implements Staged {
    private final String uploadId;
    private final String key;
    private final List<CompletedPart> parts;
    private final Path spool;
    private final FileChannel channel;
    private String multipartId;
    private long persisted;
    private long spooled;

    S3Staged(
        String uploadId,
        String key,
        String multipartId,
        List<CompletedPart> parts,
        long persisted,
        Path spool,
        FileChannel channel) {
      this.uploadId = uploadId;
      this.key = key;
      this.multipartId = multipartId;
      this.parts = parts;
      this.persisted = persisted;
      this.spool = spool;
      this.channel = channel;
    }

    @Override
    public long length() {
      return persisted + spooled;
    }

    @Override
    public long persistedLength() {
      return persisted;
    }

    @Override
    public long minPersistBytes() {
      return MIN_PART_BYTES;
    }

    @Override
    public void write(ByteBuffer data) {
      try {
        while (data.hasRemaining()) {
          spooled += channel.write(data);
        }
      } catch (IOException e) {
        throw spoolFailure(e);
      }
    }

    @Override
    public String persist() {
      if (spooled < MIN_PART_BYTES) {
        throw new IllegalStateException(
            "an S3 part needs " + MIN_PART_BYTES + " bytes, " + spooled + " are spooled");
      }
      sendSpoolAsPart();
      return key + "\n" + multipartId;
    }

    private void sendSpoolAsPart() {
      if (multipartId == null) {
        multipartId =
            call(
                    "start the multipart upload of " + uploadId,
                    () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(key)))
                .uploadId();
      }
      int number = parts.size() + 1;
      if (number > MAX_PARTS) {
        throw new IllegalStateException("upload " + uploadId + " needs more than 10,000 parts");
      }
      String etag =
          call(
                  "send part " + number + " of upload " + uploadId,
                  () ->
                      s3.uploadPart(
                          b ->
                              b.bucket(bucket)
                                  .key(key)
                                  .uploadId(multipartId)
                                  .partNumber(number)
                                  .contentLength(spooled),
                          RequestBody.fromFile(spool)))
              .eTag();
      parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      persisted += spooled;
      spooled = 0;
      try {
        channel.truncate(0);
        channel.position(0);
      } catch (IOException e) {
        throw spoolFailure(e);
      }
    }

    @Override
    public void commit(String cid) {
      String target = blobKey(cid);
      if (multipartId == null) {
        call(
            "store blob " + cid,
            () ->
                s3.putObject(
                    b -> b.bucket(bucket).key(target).contentLength(spooled),
                    RequestBody.fromFile(spool)));
      } else {
        if (spooled > 0) {
          sendSpoolAsPart();
        }
        call(
            "complete the multipart upload of " + uploadId,
            () ->
                s3.completeMultipartUpload(
                    b ->
                        b.bucket(bucket)
                            .key(key)
                            .uploadId(multipartId)
                            .multipartUpload(m -> m.parts(parts))));
        if (!key.equals(target)) {
          copy(key, target, persisted);
          call(
              "delete the staged object of " + uploadId,
              () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
        }
      }
      close();
    }

    private void copy(String source, String target, long size) {
      if (size <= maxSingleCopyBytes) {
        call(
            "copy upload " + uploadId + " to its blob",
            () ->
                s3.copyObject(
                    b ->
                        b.sourceBucket(bucket)
                            .sourceKey(source)
                            .destinationBucket(bucket)
                            .destinationKey(target)));
        return;
      }
      String copyId =
          call(
                  "start copying upload " + uploadId,
                  () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(target)))
              .uploadId();
      List<CompletedPart> copied = new ArrayList<>();
      try {
        for (long from = 0; from < size; from += copyPartBytes) {
          int number = copied.size() + 1;
          String range = "bytes=" + from + "-" + (Math.min(size, from + copyPartBytes) - 1);
          String etag =
              call(
                      "copy part " + number + " of upload " + uploadId,
                      () ->
                          s3.uploadPartCopy(
                              b ->
                                  b.sourceBucket(bucket)
                                      .sourceKey(source)
                                      .destinationBucket(bucket)
                                      .destinationKey(target)
                                      .uploadId(copyId)
                                      .partNumber(number)
                                      .copySourceRange(range)))
                  .copyPartResult()
                  .eTag();
          copied.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        call(
            "complete the copy of upload " + uploadId,
            () ->
                s3.completeMultipartUpload(
                    b ->
                        b.bucket(bucket)
                            .key(target)
                            .uploadId(copyId)
                            .multipartUpload(m -> m.parts(copied))));
      } catch (RuntimeException e) {
        abortQuietly(target, copyId);
        throw e;
      }
    }

    @Override
    public void discard() {
      if (multipartId != null) {
        abortQuietly(key, multipartId);
      }
      close();
    }

    private void abortQuietly(String abortKey, String id) {
      try {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(abortKey).uploadId(id));
      } catch (NoSuchUploadException gone) {
        // Already completed or aborted: nothing is left to drop.
      } catch (SdkException e) {
        throw new MeshException(
            MeshException.Kind.UNAVAILABLE,
            "STORAGE_UNAVAILABLE",
            "cannot abort the multipart upload of " + uploadId + ": " + e.getMessage(),
            e);
      }
    }

    @Override
    public void close() {
      // The spool holds only unacknowledged bytes, which a resumed upload receives again.
      try {
        channel.close();
        Files.deleteIfExists(spool);
      } catch (IOException e) {
        throw spoolFailure(e);
      }
    }

    private MeshException spoolFailure(IOException e) {
      return new MeshException(
          MeshException.Kind.INTERNAL,
          "STORAGE_FAILURE",
          "the spool file of upload " + uploadId + " failed: " + e.getMessage(),
          e);
    }
  }
}
