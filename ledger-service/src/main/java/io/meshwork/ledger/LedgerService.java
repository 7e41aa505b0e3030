package io.meshwork.ledger;

import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.HoldState;
import io.meshwork.ledger.core.LedgerObserver;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.grpc.LedgerAccess;
import io.meshwork.ledger.grpc.LedgerGrpcService;
import io.meshwork.ledger.store.PostgresLedgerStore;
import io.meshwork.ledger.store.SqliteLedgerStore;
import io.meshwork.runtime.DataDirectoryLock;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.auth.GuardedService;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ledger deployable: its store (SQLite in the data directory, or PostgreSQL), the {@link
 * ManaLedger} over it, its gRPC service, metrics, and a sweeper that expires holds whose timeout
 * has passed.
 *
 * <p>Its settings are declared and parsed in {@link LedgerSettings}; docs/CONFIGURATION.md lists
 * them.
 */
public final class LedgerService implements MeshService {
  private static final Logger LOG = Logger.getLogger(LedgerService.class.getName());

  private final LedgerStore store;
  private final ManaLedger ledger;
  private final LedgerGrpcService grpc;
  private final ScheduledExecutorService sweeper;

  private LedgerService(LedgerStore store, ManaLedger ledger, Duration sweepInterval) {
    this.store = store;
    this.ledger = ledger;
    this.grpc = new LedgerGrpcService(ledger);
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ledger-expiry-sweeper");
              t.setDaemon(true);
              return t;
            });
    long period = sweepInterval.toMillis();
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /** Builds the ledger from the service's context; the factory that {@link LedgerMain} runs. */
  public static LedgerService create(ServiceContext ctx) {
    LedgerSettings settings = LedgerSettings.from(ctx.settings());
    LedgerStore store = openStore(settings.store(), ctx);
    try {
      return create(
          store, ctx.clock(), settings.ledger(), ctx.metrics(), settings.expirySweepInterval());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * The store that {@code options} name: SQLite ({@value SqliteLedgerStore#FILE_NAME} in the data
   * directory, which this process then holds the lock of until the context closes) or PostgreSQL
   * (whose store takes a lock of its own in the database).
   *
   * @throws io.meshwork.runtime.StartRefusedException when another ledger holds the data directory
   */
  static LedgerStore openStore(LedgerSettings.StoreOptions options, ServiceContext ctx) {
    if (options.postgres()) {
      return PostgresLedgerStore.open(
          options.postgresUrl().orElseThrow(),
          options.postgresUser(),
          options.postgresPassword(),
          options.maxOpsPerCommit());
    }
    ctx.closeOnStop(DataDirectoryLock.acquire(ctx.dataDir(), "ledger"));
    return SqliteLedgerStore.inDirectory(ctx.dataDir(), options.maxOpsPerCommit());
  }

  /** Builds the ledger over any store; for tests that bring their own store or clock. */
  static LedgerService create(
      LedgerStore store,
      Clock clock,
      ManaLedger.Options options,
      ServiceMetrics metrics,
      Duration sweepInterval) {
    ManaLedger ledger = new ManaLedger(store, clock, options, new MetricsObserver(metrics));
    return new LedgerService(store, ledger, sweepInterval);
  }

  /** The domain core, for in-process callers and tests. */
  public ManaLedger ledger() {
    return ledger;
  }

  @Override
  public List<GuardedService> grpcServices() {
    return List.of(LedgerAccess.TABLE.guard(grpc));
  }

  @Override
  public boolean ready() {
    try {
      store.read(r -> r.account(ManaLedger.MINT_ACCOUNT));
      return true;
    } catch (RuntimeException e) {
      return false;
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
  }

  private void sweep() {
    // An exception escaping a scheduled task would cancel every later run, so none may escape.
    try {
      int expired = ledger.expireDue();
      if (expired > 0) {
        LOG.fine(() -> "expired " + expired + " hold(s)");
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "hold expiry sweep failed; retrying at the next interval", e);
    }
  }

  /** Counts what the ledger commits as the service's Prometheus metrics. */
  private static final class MetricsObserver implements LedgerObserver {
    private final Map<EntryKind, ServiceMetrics.Counter> moved = new EnumMap<>(EntryKind.class);
    private final Map<HoldState, ServiceMetrics.Counter> holds = new EnumMap<>(HoldState.class);
    private final Map<String, ServiceMetrics.Counter> replays = new ConcurrentHashMap<>();
    private final ServiceMetrics metrics;

    MetricsObserver(ServiceMetrics metrics) {
      this.metrics = metrics;
      for (EntryKind kind : EntryKind.values()) {
        moved.put(
            kind,
            metrics.counter(
                "meshwork_ledger_mana_moved_total",
                "Mana moved, by the kind of operation",
                "kind",
                kind.name().toLowerCase(Locale.ROOT)));
      }
      for (HoldState state : HoldState.values()) {
        holds.put(
            state,
            metrics.counter(
                "meshwork_ledger_holds_total",
                "Holds created (pending) and closed (posted, voided, expired)",
                "state",
                state.name().toLowerCase(Locale.ROOT)));
      }
    }

    @Override
    public void manaMoved(EntryKind kind, long amount) {
      moved.get(kind).increment(amount);
    }

    @Override
    public void holdChanged(HoldState state) {
      holds.get(state).increment();
    }

    @Override
    public void requestReplayed(String operation) {
      replays
          .computeIfAbsent(
              operation,
              op ->
                  metrics.counter(
                      "meshwork_ledger_request_replays_total",
                      "Requests answered from their recorded first outcome",
                      "operation",
                      op))
          .increment();
    }
  }
}
