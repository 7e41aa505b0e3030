package io.meshwork.runtime.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Settings held in a map, layered over other settings; for the development mesh and tests. */
public final class MapSettings implements Settings {
  private final Map<String, String> values;
  private final Settings fallback;

  /** Settings from {@code values} alone. */
  public MapSettings(Map<String, String> values) {
    this(values, key -> Optional.empty());
  }

  /** Settings from {@code values}, falling back to {@code fallback} for keys not in the map. */
  public MapSettings(Map<String, String> values, Settings fallback) {
    this.values = new LinkedHashMap<>(values);
    this.fallback = fallback;
  }

  @Override
  public Optional<String> find(String key) {
    String v = values.get(key);
    return v != null ? Optional.of(v) : fallback.find(key);
  }
}
