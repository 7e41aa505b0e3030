package io.meshwork.blob;

import io.meshwork.blob.core.BlobLimits;
import io.meshwork.blob.store.S3BlobStore;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The blob store's settings: every {@code blobs.*} key, declared once, and the typed options they
 * are parsed into at start. The process that serves the blob service (the orchestrator) adds {@link
 * #KEYS} to its own schema; docs/CONFIGURATION.md lists them.
 *
 * @param limits what uploads and downloads may do
 * @param store where the bytes go
 * @param catalog where the bookkeeping goes
 * @param sweepInterval how often expired blobs and idle uploads are removed
 */
public record BlobSettings(
    BlobLimits limits, StoreOptions store, CatalogOptions catalog, Duration sweepInterval) {

  // Room for a frame's other fields and the protobuf framing around its bytes.
  private static final int FRAME_OVERHEAD = 1024;

  /** Which byte store holds the blobs. */
  public static final Setting<String> STORE =
      Setting.string(
              "blobs.store",
              "file",
              "Where blob bytes are kept: file (under blobs.dir) or s3 (the blobs.s3.* bucket).")
          .oneOf("file", "s3");

  /** The file store's directory. */
  public static final Setting<Optional<Path>> DIR =
      Setting.optionalPath(
          "blobs.dir", "data-dir/blobs", "The folder of the file store's blobs and uploads.");

  /** Which database holds the catalog. */
  public static final Setting<String> CATALOG =
      Setting.string(
              "blobs.catalog",
              "sqlite",
              "Where the blob catalog (owners, uses, quotas, uploads) is kept: sqlite (blobs.db"
                  + " in data-dir) or postgres.")
          .oneOf("sqlite", "postgres");

  /** The PostgreSQL database of the catalog. */
  public static final Setting<Optional<String>> POSTGRES_URL =
      Setting.optionalString(
          "blobs.postgres.url",
          "(none)",
          "The catalog's PostgreSQL database as jdbc:postgresql://HOST:PORT/DATABASE; needed"
              + " when blobs.catalog is postgres.");

  /** The PostgreSQL user. */
  public static final Setting<String> POSTGRES_USER =
      Setting.string("blobs.postgres.user", "meshwork", "The catalog's PostgreSQL user.");

  /** The PostgreSQL password. */
  public static final Setting<String> POSTGRES_PASSWORD =
      Setting.string("blobs.postgres.password", "", "The catalog's PostgreSQL user's password.");

  /** The S3 endpoint. */
  public static final Setting<Optional<String>> S3_ENDPOINT =
      Setting.optionalString(
          "blobs.s3.endpoint",
          "AWS S3 in blobs.s3.region",
          "The S3 endpoint URL, such as http://minio:9000 for an S3-compatible server.");

  /** The S3 region. */
  public static final Setting<String> S3_REGION =
      Setting.string("blobs.s3.region", "us-east-1", "The region requests to S3 are signed for.");

  /** The S3 bucket. */
  public static final Setting<Optional<String>> S3_BUCKET =
      Setting.optionalString(
          "blobs.s3.bucket",
          "(none)",
          "The bucket of the blobs, which must exist; needed when blobs.store is s3.");

  /** The key prefix. */
  public static final Setting<String> S3_PREFIX =
      Setting.string(
              "blobs.s3.prefix",
              "",
              "Put before every object key, so several meshes can share a bucket; empty or ending"
                  + " in /.")
          .check(
              p -> p.isEmpty() || (p.endsWith("/") && !p.startsWith("/")),
              "empty, or ending in / and not starting with /");

  /** The S3 access key. */
  public static final Setting<Optional<String>> S3_ACCESS_KEY =
      Setting.optionalString(
          "blobs.s3.access-key",
          "the SDK's default credentials",
          "The S3 access key id; when unset, the AWS SDK's default credentials (environment,"
              + " profile, instance role) are used.");

  /** The S3 secret key. */
  public static final Setting<String> S3_SECRET_KEY =
      Setting.string("blobs.s3.secret-key", "", "The S3 secret key of blobs.s3.access-key.");

  /** Path-style addressing. */
  public static final Setting<Boolean> S3_PATH_STYLE =
      Setting.flag(
          "blobs.s3.path-style",
          false,
          "Name the bucket in the URL's path rather than its host, as most S3-compatible servers"
              + " want.");

  /** Where S3 uploads spool their next part. */
  public static final Setting<Optional<Path>> S3_SPOOL_DIR =
      Setting.optionalPath(
          "blobs.s3.spool-dir",
          "data-dir/blob-spool",
          "The folder where an upload to S3 collects the bytes of its next part.");

  /** The deadline of each S3 request. */
  public static final Setting<Duration> S3_TIMEOUT =
      Setting.duration(
              "blobs.s3.timeout",
              Duration.ofSeconds(60),
              "The longest one S3 request may take, and the longest a read from S3 may stall.")
          .atLeast(Duration.ofMillis(1));

  /** The largest frame. */
  public static final Setting<Integer> MAX_FRAME_BYTES =
      Setting.integer(
              "blobs.max-frame-bytes",
              BlobLimits.DEFAULTS.maxFrameBytes(),
              "The most bytes one Upload frame may carry, and the bytes of each Download frame (256"
                  + " KiB); it must fit in grpc.max-message-bytes.")
          .atLeast(1);

  /** The largest blob. */
  public static final Setting<Long> MAX_BLOB_BYTES =
      Setting.longValue(
              "blobs.max-blob-bytes",
              BlobLimits.DEFAULTS.maxBlobBytes(),
              "The largest blob an upload may declare, in bytes (64 GiB).")
          .atLeast(0L);

  /** Each owner's quota. */
  public static final Setting<Long> QUOTA_BYTES =
      Setting.longValue(
              "blobs.quota-bytes",
              BlobLimits.DEFAULTS.quotaBytes(),
              "The most bytes of blobs and open uploads one owner may be charged for (128 GiB).")
          .atLeast(0L);

  /** Open uploads per uploader. */
  public static final Setting<Integer> MAX_OPEN_UPLOADS =
      Setting.integer(
              "blobs.max-open-uploads",
              BlobLimits.DEFAULTS.maxOpenUploads(),
              "How many uploads one caller may have open at once.")
          .atLeast(1);

  /** Bytes between acknowledgements. */
  public static final Setting<Long> CHECKPOINT_BYTES =
      Setting.longValue(
              "blobs.checkpoint-bytes",
              BlobLimits.DEFAULTS.checkpointBytes(),
              "How many bytes an upload takes between two durable acknowledgements (16 MiB); with"
                  + " S3 also the size of its parts, at least 5 MiB.")
          .atLeast(1L);

  /** The retention period. */
  public static final Setting<Duration> RETENTION =
      Setting.duration(
              "blobs.retention",
              BlobLimits.DEFAULTS.retention(),
              "How long a blob stays after the last job using it let go of it (or after it was"
                  + " stored, if no job took it up).")
          .atLeast(Duration.ZERO);

  /** When an idle upload expires. */
  public static final Setting<Duration> UPLOAD_EXPIRY =
      Setting.duration(
              "blobs.upload-expiry",
              BlobLimits.DEFAULTS.uploadExpiry(),
              "How long an open upload may receive no bytes before it is cancelled.")
          .atLeast(Duration.ofMillis(1));

  /** How often the sweep runs. */
  public static final Setting<Duration> SWEEP_INTERVAL =
      Setting.duration(
              "blobs.sweep-interval",
              Duration.ofMinutes(1),
              "How often blobs past their retention and expired uploads are removed.")
          .atLeast(Duration.ofMillis(1));

  /** Every key of the blob store, in the order the documentation lists them. */
  public static final List<Setting<?>> KEYS =
      List.of(
          STORE,
          DIR,
          CATALOG,
          POSTGRES_URL,
          POSTGRES_USER,
          POSTGRES_PASSWORD,
          S3_ENDPOINT,
          S3_REGION,
          S3_BUCKET,
          S3_PREFIX,
          S3_ACCESS_KEY,
          S3_SECRET_KEY,
          S3_PATH_STYLE,
          S3_SPOOL_DIR,
          S3_TIMEOUT,
          MAX_FRAME_BYTES,
          MAX_BLOB_BYTES,
          QUOTA_BYTES,
          MAX_OPEN_UPLOADS,
          CHECKPOINT_BYTES,
          RETENTION,
          UPLOAD_EXPIRY,
          SWEEP_INTERVAL);

  /**
   * Where the bytes go.
   *
   * @param dir the file store's folder, when {@code s3} is empty
   * @param s3 the S3 bucket, when the store is S3
   */
  public record StoreOptions(Path dir, Optional<S3BlobStore.Options> s3) {}

  /**
   * Where the bookkeeping goes.
   *
   * @param postgresUrl the PostgreSQL database, or empty for SQLite in {@code dataDir}
   */
  public record CatalogOptions(
      Path dataDir, Optional<String> postgresUrl, String postgresUser, String postgresPassword) {}

  /**
   * Parses the blob store's settings.
   *
   * @throws SettingsException naming the key of a value that cannot be used
   */
  public static BlobSettings from(Settings settings) {
    Path dataDir = settings.get(SharedSettings.DATA_DIR);
    int maxMessage = settings.get(SharedSettings.GRPC_MAX_MESSAGE_BYTES);
    int frame = settings.get(MAX_FRAME_BYTES);
    if ((long) frame + FRAME_OVERHEAD > maxMessage) {
      throw new SettingsException(
          "setting 'blobs.max-frame-bytes' is "
              + frame
              + ", which with a frame's "
              + FRAME_OVERHEAD
              + " bytes of framing does not fit in grpc.max-message-bytes ("
              + maxMessage
              + ")");
    }
    BlobLimits limits =
        new BlobLimits(
            frame,
            settings.get(MAX_BLOB_BYTES),
            settings.get(QUOTA_BYTES),
            settings.get(MAX_OPEN_UPLOADS),
            settings.get(CHECKPOINT_BYTES),
            settings.get(RETENTION),
            settings.get(UPLOAD_EXPIRY));

    Optional<S3BlobStore.Options> s3 = Optional.empty();
    if (settings.get(STORE).equals("s3")) {
      String bucket =
          settings
              .get(S3_BUCKET)
              .orElseThrow(
                  () ->
                      new SettingsException(
                          "setting 'blobs.s3.bucket' is required when blobs.store is s3"));
      long part = Math.max(limits.checkpointBytes(), S3BlobStore.MIN_PART_BYTES);
      // A part is a checkpoint plus at most one frame; the largest blob must fit in S3's parts.
      long partsNeeded = Math.ceilDiv(limits.maxBlobBytes(), part);
      if (partsNeeded > S3BlobStore.MAX_PARTS) {
        throw new SettingsException(
            "settings 'blobs.max-blob-bytes' ("
                + limits.maxBlobBytes()
                + ") and 'blobs.checkpoint-bytes' ("
                + limits.checkpointBytes()
                + ") need "
                + partsNeeded
                + " S3 parts for the largest blob, more than S3's "
                + S3BlobStore.MAX_PARTS
                + "; raise blobs.checkpoint-bytes");
      }
      Optional<URI> endpoint;
      try {
        endpoint = settings.get(S3_ENDPOINT).map(URI::create);
      } catch (IllegalArgumentException e) {
        throw new SettingsException("setting 'blobs.s3.endpoint' is not a URL: " + e.getMessage());
      }
      s3 =
          Optional.of(
              new S3BlobStore.Options(
                  endpoint,
                  settings.get(S3_REGION),
                  bucket,
                  settings.get(S3_PREFIX),
                  settings.get(S3_ACCESS_KEY),
                  Optional.of(settings.get(S3_SECRET_KEY)),
                  settings.get(S3_PATH_STYLE),
                  settings.get(S3_SPOOL_DIR).orElse(dataDir.resolve("blob-spool")),
                  settings.get(S3_TIMEOUT)));
    }
    StoreOptions store = new StoreOptions(settings.get(DIR).orElse(dataDir.resolve("blobs")), s3);

    boolean postgres = settings.get(CATALOG).equals("postgres");
    Optional<String> url = settings.get(POSTGRES_URL);
    if (postgres && url.isEmpty()) {
      throw new SettingsException(
          "setting 'blobs.postgres.url' is required when blobs.catalog is postgres"
              + " (jdbc:postgresql://HOST:PORT/DATABASE)");
    }
    CatalogOptions catalog =
        new CatalogOptions(
            dataDir,
            postgres ? url : Optional.empty(),
            settings.get(POSTGRES_USER),
            settings.get(POSTGRES_PASSWORD));
    return new BlobSettings(limits, store, catalog, settings.get(SWEEP_INTERVAL));
  }
}
