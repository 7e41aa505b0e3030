package io.meshwork.runtime.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings read from a YAML file through Helidon Config, overridden by environment variables.
 *
 * <p>A key such as {@code auth.service-dids} is overridden by {@code MESHWORK_AUTH_SERVICE_DIDS}:
 * the key upper-cased with dots and dashes turned into underscores. Lookups go from key to variable
 * name, so the mapping never has to be guessed backwards. YAML lists read as comma-separated
 * values.
 */
public final class HelidonSettings implements Settings {
  private final Config config;
  private final Map<String, String> environment;

  private HelidonSettings(Config config, Map<String, String> environment) {
    this.config = config;
    this.environment = environment;
  }

  /**
   * Loads settings from {@code yaml} (when present) under the given top-level section, with the
   * process environment on top.
   *
   * @param yaml the configuration file, or empty for environment and defaults only
   */
  public static HelidonSettings load(Optional<Path> yaml, Map<String, String> environment) {
    Config.Builder builder =
        Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource();
    if (yaml.isPresent()) {
      Path file = yaml.get();
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("configuration file not found: " + file);
      }
      builder.sources(ConfigSources.file(file));
    } else {
      builder.sources(ConfigSources.empty());
    }
    return new HelidonSettings(builder.build(), Map.copyOf(environment));
  }

  /** The environment variable that overrides {@code key}. */
  public static String environmentName(String key) {
    return "MESHWORK_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
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
}
