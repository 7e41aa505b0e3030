package io.meshwork.runtime.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every key one service reads: the keys all services share and the service's own. {@link #check} is
 * what stops a service at start on a key it does not read or a value it cannot use.
 */
public final class SettingsSchema {
  private final String service;
  private final Map<String, Setting<?>> byKey = new LinkedHashMap<>();
  private final Map<String, Setting<?>> byVariable = new LinkedHashMap<>();

  private SettingsSchema(String service, List<Setting<?>> settings) {
    this.service = service;
    for (Setting<?> s : settings) {
      if (byKey.putIfAbsent(s.key(), s) != null) {
        throw new IllegalArgumentException(service + " declares " + s.key() + " twice");
      }
      // Two keys that differ only in '.' against '-' would share one environment variable.
      Setting<?> clash = byVariable.putIfAbsent(HelidonSettings.environmentName(s.key()), s);
      if (clash != null) {
        throw new IllegalArgumentException(
            s.key() + " and " + clash.key() + " share the variable " + variable(s));
      }
    }
  }

  /**
   * The schema of {@code service}: the settings of each group, in order.
   *
   * @param service the service as messages name it ("ledger")
   * @throws IllegalArgumentException if two settings share a key or an environment variable
   */
  @SafeVarargs
  public static SettingsSchema of(String service, Collection<? extends Setting<?>>... groups) {
    List<Setting<?>> all = new ArrayList<>();
    for (Collection<? extends Setting<?>> group : groups) {
      all.addAll(group);
    }
    return new SettingsSchema(service, all);
  }

  /** The service this schema belongs to. */
  public String service() {
    return service;
  }

  /** Every declared setting, in declaration order. */
  public List<Setting<?>> settings() {
    return List.copyOf(byKey.values());
  }

  /** Whether {@code key} is declared. */
  public boolean declares(String key) {
    return byKey.containsKey(key);
  }

  /** The setting declared as {@code key}. */
  public Optional<Setting<?>> setting(String key) {
    return Optional.ofNullable(byKey.get(key));
  }

  /**
   * Checks {@code settings} against the schema: every entry must be a declared key (or its
   * environment variable), every value given must parse and be allowed, and every required key must
   * be set.
   *
   * @throws SettingsException naming every problem found, on one line
   */
  public void check(Settings settings) {
    List<Settings.Entry> entries = settings.entries();
    List<String> problems = new ArrayList<>();
    for (Settings.Entry entry : entries) {
      if (entry.variable() ? !byVariable.containsKey(entry.name()) : !declares(entry.name())) {
        problems.add(unknown(entry));
      }
    }
    for (Setting<?> s : byKey.values()) {
      try {
        s.validate(settings, sourceOf(s, entries));
      } catch (SettingsException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new SettingsException(String.join("; ", problems));
    }
  }

  private String unknown(Settings.Entry entry) {
    StringBuilder m = new StringBuilder("unknown setting: ");
    if (entry.variable()) {
      m.append(entry.source())
          .append(" names no key that the ")
          .append(service)
          .append(" service declares");
      closest(entry.name(), byVariable.keySet())
          .ifPresent(
              v ->
                  m.append("; did you mean ")
                      .append(v)
                      .append(" (")
                      .append(byVariable.get(v).key())
                      .append(")?"));
    } else {
      m.append('\'').append(entry.name()).append('\'');
      if (!entry.source().isEmpty()) {
        m.append(" (from ").append(entry.source()).append(')');
      }
      m.append(" is not a key that the ").append(service).append(" service declares");
      closest(entry.name(), byKey.keySet())
          .ifPresent(k -> m.append("; did you mean '").append(k).append("'?"));
    }
    return m.toString();
  }

  // The first entry for a key is the one in force, so that is where its value came from.
  private static String sourceOf(Setting<?> s, List<Settings.Entry> entries) {
    String variable = variable(s);
    for (Settings.Entry e : entries) {
      if (e.variable() ? e.name().equals(variable) : e.name().equals(s.key())) {
        return e.source();
      }
    }
    return "";
  }

  private static String variable(Setting<?> s) {
    return HelidonSettings.environmentName(s.key());
  }

  /**
   * The declared name nearest to {@code name} when it is near enough to be a slip of the keyboard:
   * at most two edits, or a fifth of the name for long names.
   */
  static Optional<String> closest(String name, Collection<String> declared) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : declared) {
      int d = distance(name, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, name.length() / 5)
        ? Optional.ofNullable(best)
        : Optional.empty();
  }

  // Levenshtein distance, two rows at a time.
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }
}
