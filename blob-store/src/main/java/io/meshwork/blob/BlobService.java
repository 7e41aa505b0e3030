package io.meshwork.blob;

import io.meshwork.blob.catalog.PostgresBlobCatalog;
import io.meshwork.blob.catalog.SqliteBlobCatalog;
import io.meshwork.blob.core.BlobCatalog;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.BlobStore;
import io.meshwork.blob.core.JobAccess;
import io.meshwork.blob.grpc.BlobAccess;
import io.meshwork.blob.grpc.BlobGrpcService;
import io.meshwork.blob.store.FileBlobStore;
import io.meshwork.blob.store.S3BlobStore;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The blob store as a process serves it: the byte store and catalog its settings name, the {@link
 * BlobRepository} over them, its gRPC service, and a sweeper that removes blobs past their
 * retention and expired uploads.
 *
 * <p>The orchestrator builds one with {@link #open(ServiceContext, JobAccess)}, giving it its own
 * answer to who works on which job; adds {@link #grpcService()} to the services it serves and
 * {@link BlobSettings#KEYS} to its settings schema; calls {@link #repository()}'s {@code use} and
 * {@code release} as jobs take up and let go of blobs; and closes it when it stops.
 */
public final class BlobService implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(BlobService.class.getName());

  private final BlobStore store;
  private final BlobCatalog catalog;
  private final BlobRepository repository;
  private final BlobGrpcService grpc;
  private final ScheduledExecutorService sweeper;

  private BlobService(
      BlobStore store, BlobCatalog catalog, BlobRepository repository, Duration sweepInterval) {
    this.store = store;
    this.catalog = catalog;
    this.repository = repository;
    this.grpc = new BlobGrpcService(repository);
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "blob-sweeper");
              t.setDaemon(true);
              return t;
            });
    long period = sweepInterval.toMillis();
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens the blob store that the context's settings describe.
   *
   * @param jobs who works on which job, as the process that runs jobs knows it
   * @throws io.meshwork.runtime.config.SettingsException for settings that cannot be used
   */
  public static BlobService open(ServiceContext ctx, JobAccess jobs) {
    return open(ctx.settings(), jobs, ctx.clock());
  }

  /** Opens the blob store that {@code settings} describe, reading time from {@code clock}. */
  public static BlobService open(Settings settings, JobAccess jobs, Clock clock) {
    BlobSettings parsed = BlobSettings.from(settings);
    BlobCatalog catalog = openCatalog(parsed.catalog());
    BlobStore store;
    try {
      store = openStore(parsed.store());
    } catch (RuntimeException e) {
      catalog.close();
      throw e;
    }
    return new BlobService(
        store,
        catalog,
        new BlobRepository(store, catalog, jobs, clock, parsed.limits()),
        parsed.sweepInterval());
  }

  static BlobCatalog openCatalog(BlobSettings.CatalogOptions options) {
    return options.postgresUrl().isPresent()
        ? PostgresBlobCatalog.open(
            options.postgresUrl().get(), options.postgresUser(), options.postgresPassword())
        : SqliteBlobCatalog.inDirectory(options.dataDir());
  }

  static BlobStore openStore(BlobSettings.StoreOptions options) {
    return options.s3().isPresent()
        ? S3BlobStore.open(options.s3().get())
        : FileBlobStore.open(options.dir());
  }

  /** The domain core: for {@code use}, {@code release}, {@code mayRead} and presigned ranges. */
  public BlobRepository repository() {
    return repository;
  }

  /**
   * {@code meshwork.blob.v1.BlobService} with its access table ({@link BlobAccess}), to serve
   * beside the process's own services.
   */
  public GuardedService grpcService() {
    return BlobAccess.TABLE.guard(grpc);
  }

  /** Whether the catalog can be read (for the readiness probe). */
  public boolean ready() {
    try {
      catalog.read(r -> r.openUploads(""));
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Runs one sweep now, as the sweeper does every interval. */
  public BlobRepository.Sweep sweepNow() {
    return repository.sweep();
  }

  private void sweep() {
    // An exception escaping a scheduled task would cancel every later run, so none may escape.
    try {
      BlobRepository.Sweep done = repository.sweep();
      if (done.blobsRemoved() + done.uploadsExpired() > 0) {
        LOG.fine(() -> "blob sweep: " + done);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "blob sweep failed; retrying at the next interval", e);
    }
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    try {
      sweeper.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
    catalog.close();
  }
}
