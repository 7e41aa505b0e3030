package io.meshwork.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Read-only access to a service's configuration by dotted key ("grpc.port", "ledger.dev-grant").
 *
 * <p>Production reads Helidon Config (YAML plus environment) under command-line overrides; tests
 * and the development mesh may build one from a map. Services read declared keys with {@link #get};
 * {@code ServiceHost} checks every {@link #entries() entry} against the service's {@link
 * SettingsSchema} at start. The typed getters by key name remain for code that has not moved to
 * declared keys yet (the orchestrator's classes); they accept the same text as {@link Setting}, and
 * by the time such code runs the check at start has refused every value that is out of range.
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

  /** A string value, or {@code fallback}. */
  default String string(String key, String fallback) {
    return find(key).orElse(fallback);
  }

  /** An int value, or {@code fallback}. */
  default int integer(String key, int fallback) {
    return find(key).map(v -> parse(key, v, Integer::parseInt)).orElse(fallback);
  }

  /** A long value, or {@code fallback}. */
  default long longValue(String key, long fallback) {
    return find(key).map(v -> parse(key, v, Long::parseLong)).orElse(fallback);
  }

  /** A double value, or {@code fallback}. */
  default double decimal(String key, double fallback) {
    return find(key).map(v -> parse(key, v, Double::parseDouble)).orElse(fallback);
  }

  /** A boolean value ("true"/"false"), or {@code fallback}. */
  default boolean flag(String key, boolean fallback) {
    return find(key)
        .map(
            v ->
                parse(
                    key,
                    v,
                    s -> {
                      if (!s.equals("true") && !s.equals("false")) {
                        throw new IllegalArgumentException(s);
                      }
                      return Boolean.parseBoolean(s);
                    }))
        .orElse(fallback);
  }

  /** A duration in milliseconds ("1500") or ISO-8601 ("PT1.5S"), or {@code fallback}. */
  default Duration duration(String key, Duration fallback) {
    return find(key)
        .map(
            v ->
                parse(
                    key,
                    v,
                    s ->
                        s.startsWith("P")
                            ? Duration.parse(s)
                            : Duration.ofMillis(Long.parseLong(s))))
        .orElse(fallback);
  }

  /** A path, or {@code fallback}. */
  default Path path(String key, Path fallback) {
    return find(key).map(Path::of).orElse(fallback);
  }

  /** A comma-separated list (empty entries dropped), or an empty list. */
  default List<String> list(String key) {
    return find(key)
        .map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
        .orElse(List.of());
  }

  private static <T> T parse(String key, String value, java.util.function.Function<String, T> f) {
    try {
      return f.apply(value.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "configuration key '" + key + "' has the invalid value '" + value + "'", e);
    }
  }
}
