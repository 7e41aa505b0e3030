package io.meshwork.blob.store;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 API inside the test JVM: S3Proxy on a free loopback port, keeping objects as files in a
 * temporary folder (so large blobs do not sit in the heap) and checking AWS signatures.
 */
public final class S3Proxies implements AutoCloseable {
  public static final String ACCESS_KEY = "meshwork-test";
  public static final String SECRET_KEY = "meshwork-test-secret";
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private final S3Proxy proxy;
  private final URI endpoint;

  private S3Proxies(S3Proxy proxy, URI endpoint) {
    this.proxy = proxy;
    this.endpoint = endpoint;
  }

  /** Starts S3Proxy over {@code dir}. */
  public static S3Proxies start(Path dir) throws Exception {
    Files.createDirectories(dir);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(new FilesystemNio2BlobStore(dir.toString()))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .endpoint(URI.create("http://127.0.0.1:0"))
            .build();
    proxy.start();
    return new S3Proxies(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
  }

  /** The endpoint URL. */
  public URI endpoint() {
    return endpoint;
  }

  /** Creates a new, empty bucket and returns its name. */
  public String newBucket() {
    String name = "meshwork-blobs-" + BUCKETS.incrementAndGet();
    try (S3Client s3 =
        S3Client.builder()
            .endpointOverride(endpoint)
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .build()) {
      s3.createBucket(b -> b.bucket(name));
    }
    return name;
  }

  /** Options for a store on {@code bucket}, spooling under {@code spool}. */
  public S3BlobStore.Options options(String bucket, Path spool) {
    return new S3BlobStore.Options(
        Optional.of(endpoint),
        "us-east-1",
        bucket,
        "mesh/",
        Optional.of(ACCESS_KEY),
        Optional.of(SECRET_KEY),
        true,
        spool,
        Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not stop", e);
    }
  }
}
