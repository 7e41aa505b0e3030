package io.meshwork.ledger;

import io.meshwork.identity.DidKey;
import io.meshwork.ledger.core.LedgerErrors;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.core.Regeneration;
import io.meshwork.ledger.store.JdbcLedgerStore;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger deployable's settings: every {@code ledger.*} key, declared once, and the typed
 * options they are parsed into at start.
 *
 * @param ledger the ledger's rules
 * @param store where the ledger is kept
 * @param expirySweepInterval how often holds past their timeout are expired
 */
public record LedgerSettings(
    ManaLedger.Options ledger, StoreOptions store, Duration expirySweepInterval) {

  /** The mana a new account gets in development mode. */
  public static final Setting<Long> DEV_GRANT =
      Setting.longValue(
              "ledger.dev-grant",
              10_000_000,
              "The mana a new account is granted in development mode (mesh.dev-mode).")
          .atLeast(0L);

  /** A hold's lifetime when its request gives none. */
  public static final Setting<Duration> HOLD_TIMEOUT =
      Setting.duration(
              "ledger.hold-timeout",
              Duration.ofHours(1),
              "How long a hold lives when CreateHold gives no timeout_ms.")
          .between(Duration.ofMillis(1), ManaLedger.MAX_HOLD_TIMEOUT);

  /** How often due holds are expired. */
  public static final Setting<Duration> EXPIRY_SWEEP_INTERVAL =
      Setting.duration(
              "ledger.expiry-sweep-interval",
              Duration.ofSeconds(5),
              "How often holds past their timeout are expired.")
          .atLeast(Duration.ofMillis(1));

  /** The floor of every user account without one of its own. */
  public static final Setting<Long> FLOOR =
      Setting.longValue(
          "ledger.floor",
          ManaLedger.DEFAULT_FLOOR,
          "The least mana a user account may have available (balance less holds); negative"
              + " allows credit.");

  /** Accounts with a floor of their own. */
  public static final Setting<Map<String, Long>> ACCOUNT_FLOORS =
      Setting.pairs(
              "ledger.account-floors",
              "did=floor",
              Long::parseLong,
              "Accounts whose floor is not ledger.floor, each as its did:key and its floor.")
          .check(
              floors -> floors.keySet().stream().allMatch(DidKey::isDidKey),
              "each name a did:key DID");

  /** Mana regained per interval. */
  public static final Setting<Long> REGENERATION_AMOUNT =
      Setting.longValue(
              "ledger.regeneration.amount",
              0,
              "Mana a user account regains per interval while below the cap; 0 turns"
                  + " regeneration off.")
          .atLeast(0L);

  /** The regeneration interval. */
  public static final Setting<Duration> REGENERATION_INTERVAL =
      Setting.duration(
              "ledger.regeneration.interval",
              Duration.ofHours(1),
              "The interval of ledger.regeneration.amount.")
          .atLeast(Duration.ofMillis(1));

  /** The balance at which regeneration stops. */
  public static final Setting<Long> REGENERATION_CAP =
      Setting.longValue(
              "ledger.regeneration.cap",
              0,
              "Regeneration stops while the balance is at or above this; 0 turns it off.")
          .atLeast(0L);

  /** The largest amount of one operation. */
  public static final Setting<Long> MAX_AMOUNT =
      Setting.longValue(
              LedgerErrors.MAX_AMOUNT_SETTING,
              ManaLedger.DEFAULT_MAX_AMOUNT,
              "The largest amount one hold, post, transfer or mint may move; a larger one is"
                  + " refused with INVALID_ARGUMENT (AMOUNT_ABOVE_MAX). It bounds"
                  + " ledger.dev-grant too.")
          .atLeast(1L);

  /** Which store holds the ledger. */
  public static final Setting<String> STORE =
      Setting.string(
              "ledger.store",
              "sqlite",
              "Where the ledger is kept: sqlite (ledger.db in data-dir) or postgres.")
          .oneOf("sqlite", "postgres");

  /** The PostgreSQL database. */
  public static final Setting<Optional<String>> POSTGRES_URL =
      Setting.optionalString(
          "ledger.postgres.url",
          "(none)",
          "The PostgreSQL database as jdbc:postgresql://HOST:PORT/DATABASE; needed when"
              + " ledger.store is postgres.");

  /** The PostgreSQL user. */
  public static final Setting<String> POSTGRES_USER =
      Setting.string("ledger.postgres.user", "meshwork", "The PostgreSQL user.");

  /** The PostgreSQL password. */
  public static final Setting<String> POSTGRES_PASSWORD =
      Setting.string("ledger.postgres.password", "", "The PostgreSQL user's password.");

  /** The most writes one commit carries. */
  public static final Setting<Integer> MAX_OPS_PER_COMMIT =
      Setting.integer(
              "ledger.max-ops-per-commit",
              JdbcLedgerStore.DEFAULT_MAX_OPS_PER_COMMIT,
              "The most writes one database commit carries; 1 commits each on its own.")
          .atLeast(1);

  /** Every key of the ledger's own, in the order the documentation lists them. */
  public static final List<Setting<?>> KEYS =
      List.of(
          DEV_GRANT,
          HOLD_TIMEOUT,
          EXPIRY_SWEEP_INTERVAL,
          FLOOR,
          ACCOUNT_FLOORS,
          REGENERATION_AMOUNT,
          REGENERATION_INTERVAL,
          REGENERATION_CAP,
          MAX_AMOUNT,
          STORE,
          POSTGRES_URL,
          POSTGRES_USER,
          POSTGRES_PASSWORD,
          MAX_OPS_PER_COMMIT);

  /**
   * The role lists the ledger reads: operators (mint, read and move any account) and the
   * orchestrators it holds and pays mana for.
   */
  public static final List<Setting<?>> ROLES =
      List.of(SharedSettings.AUTH_OPERATORS, SharedSettings.AUTH_ORCHESTRATORS);

  /** Everything the ledger deployable reads: the shared keys, its role lists and its own. */
  public static final SettingsSchema SCHEMA =
      SettingsSchema.of("ledger", SharedSettings.ALL, ROLES, KEYS);

  /**
   * Where the ledger is kept.
   *
   * @param postgresUrl the PostgreSQL database; present exactly when {@code postgres} is true
   * @param maxOpsPerCommit the most writes one commit carries
   */
  public record StoreOptions(
      boolean postgres,
      Optional<String> postgresUrl,
      String postgresUser,
      String postgresPassword,
      int maxOpsPerCommit) {}

  /**
   * Parses the ledger's settings.
   *
   * @throws SettingsException naming the key of a value that is not allowed
   */
  public static LedgerSettings from(Settings settings) {
    long grant = settings.get(SharedSettings.MESH_DEV_MODE) ? settings.get(DEV_GRANT) : 0;
    long maxAmount = settings.get(MAX_AMOUNT);
    if (grant > maxAmount) {
      throw new SettingsException(
          "setting '"
              + DEV_GRANT.key()
              + "' is "
              + grant
              + ", above '"
              + MAX_AMOUNT.key()
              + "' ("
              + maxAmount
              + "): a grant is a mint, and no mint may be larger");
    }
    Regeneration regeneration =
        new Regeneration(
            settings.get(REGENERATION_AMOUNT),
            settings.get(REGENERATION_INTERVAL),
            settings.get(REGENERATION_CAP));
    ManaLedger.Options ledger =
        new ManaLedger.Options(
            grant,
            settings.get(HOLD_TIMEOUT),
            settings.get(FLOOR),
            regeneration,
            settings.get(ACCOUNT_FLOORS),
            maxAmount);
    boolean postgres = settings.get(STORE).equals("postgres");
    Optional<String> url = settings.get(POSTGRES_URL);
    if (postgres && url.isEmpty()) {
      throw new SettingsException(
          "setting 'ledger.postgres.url' is required when ledger.store is postgres"
              + " (jdbc:postgresql://HOST:PORT/DATABASE)");
    }
    StoreOptions store =
        new StoreOptions(
            postgres,
            postgres ? url : Optional.empty(),
            settings.get(POSTGRES_USER),
            settings.get(POSTGRES_PASSWORD),
            settings.get(MAX_OPS_PER_COMMIT));
    return new LedgerSettings(ledger, store, settings.get(EXPIRY_SWEEP_INTERVAL));
  }
}
