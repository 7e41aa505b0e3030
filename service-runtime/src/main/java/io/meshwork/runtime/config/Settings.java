package io.meshwork.runtime.config;

import java.util.List;
import java.util.Optional;

/**
 * Read-only access to a service's configuration by dotted key ("grpc.port", "ledger.dev-grant").
 *
 * <p>Production reads Helidon Config (YAML plus environment) under command-line overrides; tests
 * and the development mesh may build one from a map. Services read declared keys with {@link #get};
 * {@code ServiceHost} checks every {@link #entries() entry} against the service's {@link
 * SettingsSchema} at start. There is no getter by key name: a key is read only through its
 * declaration, so a key nobody declared cannot be read by mistake.
 */
public interface Settings {
  /** The raw value of {@code key}, if set. */
  Optional<String> find(String key);

  /**
   * Every value these settings hold, in order of precedence: the first entry that names a key is
   * the one {@link #find} returns. A service refuses to start on an entry it does not declare.
   */
  List<Entry> entries();

  /**
   * A value that some source of settings holds.
   *
   * @param name the dotted key it was given under or, for an environment variable, the variable's
   *     name ({@code MESHWORK_LEDGER_DEV_GRANT})
   * @param variable whether {@code name} is an environment variable's name
   * @param source where it was given, for messages ("--set", "the file ledger.yaml")
   */
  record Entry(String name, boolean variable, String source) {}

  /**
   * The value of a declared key, parsed and checked, or its default.
   *
   * @throws SettingsException naming the key when the value is not allowed or a required key is
   *     unset
   */
  default <T> T get(Setting<T> setting) {
    return setting.read(this);
  }
}
