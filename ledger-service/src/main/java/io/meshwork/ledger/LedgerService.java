package io.meshwork.ledger;

import io.grpc.BindableService;
import io.meshwork.identity.DidKey;
import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.HoldState;
import io.meshwork.ledger.core.LedgerObserver;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.core.Regeneration;
import io.meshwork.ledger.grpc.LedgerGrpcService;
import io.meshwork.ledger.store.JdbcLedgerStore;
import io.meshwork.ledger.store.PostgresLedgerStore;
import io.meshwork.ledger.store.SqliteLedgerStore;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
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
 * <p>Settings: {@code mesh.dev-mode} (new accounts get a grant), {@code ledger.dev-grant} (the
 * grant, default 10000), {@code ledger.hold-timeout} (a hold's default lifetime, default one hour),
 * {@code ledger.expiry-sweep-interval} (default 5 seconds), {@code ledger.floor} (default 0),
 * {@code ledger.account-floors} ({@code did=floor,...}: accounts with a floor of their own), {@code
 * ledger.regeneration.amount}, {@code .interval} and {@code .cap} (off by default), {@code
 * ledger.store} ({@code sqlite} or {@code postgres}), {@code ledger.postgres.url}, {@code .user},
 * {@code .password}, {@code ledger.max-ops-per-commit} (default 1024), and {@code data-dir}, where
 * the SQLite file {@value SqliteLedgerStore#FILE_NAME} lives.
 */
public final class LedgerService implements MeshService {
  /** The grant a new account gets in development mode when {@code ledger.dev-grant} is unset. */
  public static final long DEFAULT_DEV_GRANT = 10_000;

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
    Settings settings = ctx.settings();
    ManaLedger.Options options = options(ctx);
    Duration sweepInterval =
        settings.duration("ledger.expiry-sweep-interval", Duration.ofSeconds(5));
    if (sweepInterval.isNegative() || sweepInterval.isZero()) {
      throw new IllegalArgumentException(
          "configuration key 'ledger.expiry-sweep-interval' must be positive, got "
              + sweepInterval);
    }
    LedgerStore store = openStore(ctx);
    try {
      return create(store, ctx.clock(), options, ctx.metrics(), sweepInterval);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * The store that {@code ledger.store} names: {@code sqlite} (the default, {@value
   * SqliteLedgerStore#FILE_NAME} in the data directory) or {@code postgres} ({@code
   * ledger.postgres.url}, {@code .user}, {@code .password}).
   */
  static LedgerStore openStore(ServiceContext ctx) {
    Settings settings = ctx.settings();
    int maxOps =
        settings.integer("ledger.max-ops-per-commit", JdbcLedgerStore.DEFAULT_MAX_OPS_PER_COMMIT);
    if (maxOps < 1) {
      throw new IllegalArgumentException(
          "configuration key 'ledger.max-ops-per-commit' must be >= 1, got " + maxOps);
    }
    String kind = settings.string("ledger.store", "sqlite");
    return switch (kind) {
      case "sqlite" -> SqliteLedgerStore.inDirectory(ctx.dataDir(), maxOps);
      case "postgres" ->
          PostgresLedgerStore.open(
              settings
                  .find("ledger.postgres.url")
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "ledger.store=postgres needs ledger.postgres.url")),
              settings.string("ledger.postgres.user", "meshwork"),
              settings.string("ledger.postgres.password", ""),
              maxOps);
      default ->
          throw new IllegalArgumentException(
              "configuration key 'ledger.store' must be sqlite or postgres, got '" + kind + "'");
    };
  }

  /** The ledger's rules from the settings. */
  static ManaLedger.Options options(ServiceContext ctx) {
    Settings settings = ctx.settings();
    long grant = ctx.devMode() ? settings.longValue("ledger.dev-grant", DEFAULT_DEV_GRANT) : 0;
    Regeneration regeneration =
        new Regeneration(
            settings.longValue("ledger.regeneration.amount", 0),
            settings.duration("ledger.regeneration.interval", Duration.ofHours(1)),
            settings.longValue("ledger.regeneration.cap", 0));
    return new ManaLedger.Options(
        grant,
        settings.duration("ledger.hold-timeout", Duration.ofHours(1)),
        settings.longValue("ledger.floor", ManaLedger.DEFAULT_FLOOR),
        regeneration,
        accountFloors(settings.string("ledger.account-floors", "")));
  }

  /**
   * Parses {@code ledger.account-floors}: {@code did=floor} pairs separated by commas, each giving
   * one account a floor of its own in place of {@code ledger.floor}.
   */
  static Map<String, Long> accountFloors(String text) {
    Map<String, Long> floors = new HashMap<>();
    for (String pair : text.split(",")) {
      String item = pair.strip();
      if (item.isEmpty()) {
        continue;
      }
      int eq = item.lastIndexOf('=');
      String did = eq < 0 ? item : item.substring(0, eq).strip();
      if (eq < 0 || !DidKey.isDidKey(did)) {
        throw new IllegalArgumentException(
            "configuration key 'ledger.account-floors' takes did:key=floor pairs separated by"
                + " commas; '"
                + item
                + "' is not one");
      }
      try {
        floors.put(did, Long.parseLong(item.substring(eq + 1).strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "configuration key 'ledger.account-floors': the floor of " + did + " is not a number",
            e);
      }
    }
    return floors;
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
  public List<BindableService> grpcServices() {
    return List.of(grpc);
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
