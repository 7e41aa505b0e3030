package io.meshwork.receiptlog;

import io.meshwork.receiptlog.core.ReceiptLog;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import java.util.List;
import java.util.Optional;

/**
 * The receipt service's settings: every {@code receipts.*} key, declared once, and the typed
 * options they are parsed into at start.
 *
 * @param origin the log's origin line, also the name of its checkpoint signing key
 * @param store where the log is kept
 */
public record ReceiptSettings(String origin, StoreOptions store) {

  /** The log's origin line. */
  public static final Setting<String> ORIGIN =
      Setting.string(
              "receipts.origin",
              ReceiptLog.DEFAULT_ORIGIN,
              "The log's origin line in every checkpoint, also the name of its signing key.")
          .check(o -> !o.isBlank() && !o.contains("\n"), "one line that is not blank");

  /** Which store holds the log. */
  public static final Setting<String> STORE =
      Setting.string(
              "receipts.store",
              "sqlite",
              "Where the log is kept: sqlite (receipts.db in data-dir) or postgres.")
          .oneOf("sqlite", "postgres");

  /** The PostgreSQL database. */
  public static final Setting<Optional<String>> POSTGRES_URL =
      Setting.optionalString(
          "receipts.postgres.url",
          "(none)",
          "The PostgreSQL database as jdbc:postgresql://HOST:PORT/DATABASE; needed when"
              + " receipts.store is postgres.");

  /** The PostgreSQL user. */
  public static final Setting<String> POSTGRES_USER =
      Setting.string("receipts.postgres.user", "", "The PostgreSQL user.");

  /** The PostgreSQL password. */
  public static final Setting<String> POSTGRES_PASSWORD =
      Setting.string("receipts.postgres.password", "", "The PostgreSQL user's password.");

  /**
   * The role lists the receipt log reads: the orchestrators that anchor receipts, and the executors
   * whose receipts it takes.
   */
  public static final List<Setting<?>> ROLES =
      List.of(SharedSettings.AUTH_ORCHESTRATORS, SharedSettings.AUTH_EXECUTORS);

  /** Every key of the receipt service's own, in the order the documentation lists them. */
  public static final List<Setting<?>> KEYS =
      List.of(ORIGIN, STORE, POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD);

  /** Everything the receipt service reads: the shared keys, its role lists and its own. */
  public static final SettingsSchema SCHEMA =
      SettingsSchema.of("receipts", SharedSettings.ALL, ROLES, KEYS);

  /**
   * Where the log is kept.
   *
   * @param postgresUrl the PostgreSQL database; present exactly when {@code postgres} is true
   */
  public record StoreOptions(
      boolean postgres,
      Optional<String> postgresUrl,
      String postgresUser,
      String postgresPassword) {}

  /**
   * Parses the receipt service's settings.
   *
   * @throws SettingsException naming the key of a value that is not allowed
   */
  public static ReceiptSettings from(Settings settings) {
    boolean postgres = settings.get(STORE).equals("postgres");
    Optional<String> url = settings.get(POSTGRES_URL);
    if (postgres && url.isEmpty()) {
      throw new SettingsException(
          "setting 'receipts.postgres.url' is required when receipts.store is postgres"
              + " (jdbc:postgresql://HOST:PORT/DATABASE)");
    }
    return new ReceiptSettings(
        settings.get(ORIGIN),
        new StoreOptions(
            postgres,
            postgres ? url : Optional.empty(),
            settings.get(POSTGRES_USER),
            settings.get(POSTGRES_PASSWORD)));
  }
}
