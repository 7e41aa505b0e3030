package io.meshwork.runtime.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Settings read from a YAML file through Helidon Config, overridden by environment variables.
 *
 * <p>A key such as {@code auth.executors} is overridden by {@code MESHWORK_AUTH_EXECUTORS}: the key
 * upper-cased with dots and dashes turned into underscores. Lookups go from key to variable name,
 * so the mapping never has to be guessed backwards. YAML lists read as comma-separated values.
 *
 * <p>Not every {@code MESHWORK_} variable is a setting: the scripts and the command line read
 * {@code MESHWORK_HOME}, {@code MESHWORK_JAVA_OPTS} and others. A variable counts as a setting when
 * the rest of its name starts with one of the {@link #KEY_FAMILIES} in variable form ({@code
 * LEDGER_}, {@code GRPC_}, {@code DATA_DIR}, ...); only those are listed by {@link #entries()}, so
 * only those can stop a service that does not declare them.
 */
public final class HelidonSettings implements Settings {
  /**
   * The first word of every key that a Meshwork service declares. The dist module's configuration
   * test checks that this list and the services' declarations agree.
   */
  public static final List<String> KEY_FAMILIES =
      List.of(
          "admin",
          "auth",
          "blobs",
          "dashboard",
          "data-dir",
          "executor",
          "grpc",
          "identity",
          "ledger",
          "limits",
          "mesh",
          "orchestrator",
          "receipts",
          "rfc0016",
          "shutdown",
          "tls");

  private static final String PREFIX = "MESHWORK_";

  private final Config config;
  private final Optional<Path> file;
  private final Map<String, String> environment;

  private HelidonSettings(Config config, Optional<Path> file, Map<String, String> environment) {
    this.config = config;
    this.file = file;
    this.environment = environment;
  }

  /**
   * Loads settings from {@code yaml} (when present), with {@code environment}'s {@code MESHWORK_}
   * variables on top.
   *
   * @param yaml the configuration file, or empty for environment and defaults only
   * @throws SettingsException if the file is missing or is not valid YAML
   */
  public static HelidonSettings load(Optional<Path> yaml, Map<String, String> environment) {
    Config.Builder builder =
        Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource();
    if (yaml.isPresent()) {
      Path file = yaml.get();
      if (!Files.isRegularFile(file)) {
        throw new SettingsException("configuration file not found: " + file);
      }
      builder.sources(ConfigSources.file(file));
    } else {
      builder.sources(ConfigSources.empty());
    }
    Config config;
    try {
      config = builder.build();
      // Helidon reads the file lazily; reading the tree now makes a broken file fail here.
      config.traverse().count();
    } catch (ConfigException e) {
      throw new SettingsException(
          "cannot read the configuration file " + yaml.orElseThrow() + ": " + e.getMessage(), e);
    }
    return new HelidonSettings(config, yaml, Map.copyOf(environment));
  }

  /** The environment variable that overrides {@code key}. */
  public static String environmentName(String key) {
    return PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * Whether the environment variable {@code name} is meant as a setting: it is {@code MESHWORK_}
   * followed by a key family in variable form, then {@code _} or nothing.
   */
  public static boolean isSettingVariable(String name) {
    for (String family : KEY_FAMILIES) {
      String start = environmentName(family);
      if (name.equals(start) || name.startsWith(start + "_")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Optional<String> find(String key) {
    String fromEnv = environment.get(environmentName(key));
    if (fromEnv != null) {
      return Optional.of(fromEnv);
    }
    Config node = config.get(key);
    if (!node.exists()) {
      return Optional.empty();
    }
    if (node.type() == Config.Type.LIST) {
      List<String> values = node.asList(String.class).orElse(List.of());
      return Optional.of(String.join(",", values));
    }
    return node.asString().asOptional();
  }

  /**
   * The setting variables of the environment (sorted by name), then every key of the file: each
   * leaf of its tree, a list counting as one key.
   */
  @Override
  public List<Entry> entries() {
    List<Entry> entries = new ArrayList<>();
    new TreeMap<>(environment)
        .keySet().stream()
            .filter(HelidonSettings::isSettingVariable)
            .forEach(
                name -> entries.add(new Entry(name, true, "the environment variable " + name)));
    String source = file.map(f -> "the file " + f).orElse("");
    List<String> keys = new ArrayList<>();
    leaves(config, keys);
    keys.forEach(key -> entries.add(new Entry(key, false, source)));
    return entries;
  }

  private static void leaves(Config node, List<String> keys) {
    switch (node.type()) {
      case OBJECT -> node.asNodeList().orElse(List.of()).forEach(child -> leaves(child, keys));
      case LIST, VALUE -> keys.add(node.key().toString());
      case MISSING -> {}
    }
  }
}
