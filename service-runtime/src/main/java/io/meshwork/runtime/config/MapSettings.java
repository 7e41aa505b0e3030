package io.meshwork.runtime.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings held in a map, layered over other settings: the {@code --set} overrides of a service's
 * command line, the development mesh, and tests.
 */
public final class MapSettings implements Settings {
  private static final Settings NONE =
      new Settings() {
        @Override
        public Optional<String> find(String key) {
          return Optional.empty();
        }

        @Override
        public List<Entry> entries() {
          return List.of();
        }
      };

  private final String source;
  private final Map<String, String> values;
  private final Settings fallback;

  /** Settings from {@code values} alone. */
  public MapSettings(Map<String, String> values) {
    this("the settings map", values, NONE);
  }

  /** Settings from {@code values}, falling back to {@code fallback} for keys not in the map. */
  public MapSettings(Map<String, String> values, Settings fallback) {
    this("the settings map", values, fallback);
  }

  /**
   * Settings from {@code values}, falling back to {@code fallback} for keys not in the map.
   *
   * @param source where the values come from, as messages name it ("--set")
   */
  public MapSettings(String source, Map<String, String> values, Settings fallback) {
    this.source = source;
    this.values = new LinkedHashMap<>(values);
    this.fallback = fallback;
  }

  @Override
  public Optional<String> find(String key) {
    String v = values.get(key);
    return v != null ? Optional.of(v) : fallback.find(key);
  }

  @Override
  public List<Entry> entries() {
    List<Entry> entries = new ArrayList<>();
    values.keySet().forEach(key -> entries.add(new Entry(key, false, source)));
    entries.addAll(fallback.entries());
    return entries;
  }
}
