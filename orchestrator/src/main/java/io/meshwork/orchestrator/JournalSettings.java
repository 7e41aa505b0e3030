package io.meshwork.orchestrator;

import io.meshwork.orchestrator.store.JournalStores;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The orchestrator's keys for where its journals are kept (the jobs' and membership's): SQLite
 * files in its data folder, or a PostgreSQL database that its replicas share; parsed once by {@link
 * #journals}.
 */
public final class JournalSettings {
  /** Which database holds the journals. */
  public static final Setting<String> STORE =
      Setting.string(
              "orchestrator.store",
              "sqlite",
              "Where the job and membership journals are kept: sqlite (orchestrator.db and"
                  + " membership.db in data-dir) or postgres (one database that replicas share).")
          .oneOf("sqlite", "postgres");

  /** The PostgreSQL database. */
  public static final Setting<Optional<String>> POSTGRES_URL =
      Setting.optionalString(
          "orchestrator.postgres.url",
          "(none)",
          "The PostgreSQL database as jdbc:postgresql://HOST:PORT/DATABASE; needed when"
              + " orchestrator.store is postgres.");

  /** The PostgreSQL user. */
  public static final Setting<String> POSTGRES_USER =
      Setting.string("orchestrator.postgres.user", "meshwork", "The PostgreSQL user.");

  /** The PostgreSQL password. */
  public static final Setting<String> POSTGRES_PASSWORD =
      Setting.string("orchestrator.postgres.password", "", "The PostgreSQL user's password.");

  /** Every journal key, in the order the documentation lists them. */
  public static final List<Setting<?>> KEYS =
      List.of(STORE, POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD);

  private static final String URL_PREFIX = "jdbc:postgresql://";

  private JournalSettings() {}

  /**
   * Where the journals are, with the SQLite files in {@code dataDir}.
   *
   * @throws SettingsException for a PostgreSQL store without a PostgreSQL URL, or a URL given to a
   *     SQLite store (whose replicas would then each keep a journal of their own unawares)
   */
  public static JournalStores journals(Settings s, Path dataDir) {
    Optional<String> url = s.get(POSTGRES_URL);
    if (s.get(STORE).equals("sqlite")) {
      if (url.isPresent()) {
        throw new SettingsException(
            "setting '"
                + POSTGRES_URL.key()
                + "' is set but '"
                + STORE.key()
                + "' is sqlite; set "
                + STORE.key()
                + "=postgres to keep the journals there, or remove it");
      }
      return JournalStores.sqlite(dataDir);
    }
    if (url.isEmpty() || !url.get().startsWith(URL_PREFIX)) {
      throw new SettingsException(
          "setting '"
              + POSTGRES_URL.key()
              + "' is "
              + url.map(u -> "'" + u + "'").orElse("unset")
              + "; "
              + STORE.key()
              + "=postgres needs it as "
              + URL_PREFIX
              + "HOST:PORT/DATABASE");
    }
    return JournalStores.postgres(url.get(), s.get(POSTGRES_USER), s.get(POSTGRES_PASSWORD));
  }
}
