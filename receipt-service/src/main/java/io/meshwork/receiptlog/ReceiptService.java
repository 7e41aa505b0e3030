package io.meshwork.receiptlog;

import io.grpc.BindableService;
import io.meshwork.receiptlog.core.ReceiptLog;
import io.meshwork.receiptlog.grpc.ReceiptGrpcService;
import io.meshwork.receiptlog.store.LogStore;
import io.meshwork.receiptlog.store.PostgresLogStore;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.config.Settings;
import java.util.List;
import java.util.logging.Logger;

/**
 * The receipt service as a deployable: the receipt log over its store, served over gRPC.
 *
 * <p>Settings: {@code receipts.origin} (the log's origin line and checkpoint key name, default
 * {@value ReceiptLog#DEFAULT_ORIGIN}); {@code receipts.store}, {@code sqlite} (the default: {@code
 * receipts.db} in the runtime's {@code data-dir}) or {@code postgres} (with {@code
 * receipts.postgres.url}, {@code receipts.postgres.user} and {@code receipts.postgres.password}).
 * The log signs checkpoints with the service's own identity.
 */
public final class ReceiptService implements MeshService {
  private static final Logger LOG = Logger.getLogger(ReceiptService.class.getName());

  private final LogStore store;
  private final ReceiptLog log;
  private volatile boolean closed;

  private ReceiptService(LogStore store, ReceiptLog log) {
    this.store = store;
    this.log = log;
  }

  /** Builds the service from its context; the factory that {@code ServiceHost} calls. */
  public static ReceiptService create(ServiceContext ctx) {
    String origin = ctx.settings().string("receipts.origin", ReceiptLog.DEFAULT_ORIGIN);
    LogStore store = openStore(ctx);
    ReceiptLog log;
    try {
      log =
          ReceiptLog.open(
              store, ctx.identity(), origin, ctx.roles()::isService, ctx.clock(), ctx.metrics());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    LOG.info(
        () ->
            "receipt log "
                + origin
                + " at tree size "
                + log.treeSize()
                + "; verifier key "
                + log.verifierKey());
    return new ReceiptService(store, log);
  }

  /**
   * Opens the store that {@code receipts.store} names.
   *
   * @throws IllegalArgumentException for an unknown store or a PostgreSQL store without a URL
   */
  static LogStore openStore(ServiceContext ctx) {
    Settings settings = ctx.settings();
    String kind = settings.string("receipts.store", "sqlite");
    return switch (kind) {
      case "sqlite" -> SqliteLogStore.open(ctx.dataDir().resolve("receipts.db"));
      case "postgres" ->
          PostgresLogStore.open(
              settings
                  .find("receipts.postgres.url")
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "receipts.store=postgres needs receipts.postgres.url"
                                  + " (jdbc:postgresql://HOST:PORT/DATABASE)")),
              settings.string("receipts.postgres.user", ""),
              settings.string("receipts.postgres.password", ""));
      default ->
          throw new IllegalArgumentException(
              "receipts.store is '" + kind + "'; it must be sqlite or postgres");
    };
  }

  /** The log this service serves (for the development mesh and tests). */
  public ReceiptLog log() {
    return log;
  }

  @Override
  public List<BindableService> grpcServices() {
    return List.of(new ReceiptGrpcService(log));
  }

  @Override
  public boolean ready() {
    return !closed;
  }

  /** Stops the appender, then closes the store, so no commit is cut short. */
  @Override
  public void close() {
    closed = true;
    try {
      log.close();
    } finally {
      store.close();
    }
  }
}
