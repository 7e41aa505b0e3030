package io.meshwork.receiptlog;

import io.meshwork.receiptlog.core.ReceiptLog;
import io.meshwork.receiptlog.grpc.ReceiptAccess;
import io.meshwork.receiptlog.grpc.ReceiptGrpcService;
import io.meshwork.receiptlog.store.LogStore;
import io.meshwork.receiptlog.store.PostgresLogStore;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.runtime.DataDirectoryLock;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.auth.GuardedService;
import java.util.List;
import java.util.logging.Logger;

/**
 * The receipt service as a deployable: the receipt log over its store, served over gRPC. The log
 * signs checkpoints with the service's own identity.
 *
 * <p>Its settings are declared and parsed in {@link ReceiptSettings}; docs/CONFIGURATION.md lists
 * them.
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
    ReceiptSettings settings = ReceiptSettings.from(ctx.settings());
    String origin = settings.origin();
    LogStore store = openStore(settings.store(), ctx);
    ReceiptLog log;
    try {
      log =
          ReceiptLog.open(
              store, ctx.identity(), origin, ctx.roles()::isExecutor, ctx.clock(), ctx.metrics());
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
   * Opens the store that {@code options} name: {@code receipts.db} in the data directory, whose
   * lock this process then holds until the context closes, or PostgreSQL.
   *
   * @throws io.meshwork.runtime.StartRefusedException when another receipt log holds the data
   *     directory
   */
  static LogStore openStore(ReceiptSettings.StoreOptions options, ServiceContext ctx) {
    if (options.postgres()) {
      return PostgresLogStore.open(
          options.postgresUrl().orElseThrow(), options.postgresUser(), options.postgresPassword());
    }
    // One appender per file: a second log on it would sign checkpoints of a tree it never saw.
    ctx.closeOnStop(DataDirectoryLock.acquire(ctx.dataDir(), "receipts"));
    return SqliteLogStore.open(ctx.dataDir().resolve("receipts.db"));
  }

  /** The log this service serves (for the development mesh and tests). */
  public ReceiptLog log() {
    return log;
  }

  @Override
  public List<GuardedService> grpcServices() {
    return List.of(ReceiptAccess.TABLE.guard(new ReceiptGrpcService(log)));
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
