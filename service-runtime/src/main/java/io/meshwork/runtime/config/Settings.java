package io.meshwork.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Read-only access to a service's configuration by dotted key ("grpc.port", "ledger.dev-grant").
 *
 * <p>Production reads Helidon Config (YAML plus environment); tests and the development mesh may
 * build one from a map. Typed getters fail with a message naming the key and the bad value.
 */
public interface Settings {
  /** The raw value of {@code key}, if set. */
  Optional<String> find(String key);

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
