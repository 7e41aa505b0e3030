package io.meshwork.runtime.config;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One configuration key a service declares: its name, type, default, meaning, and the values it
 * allows.
 *
 * <p>A service declares each key it reads once, as a constant, and reads it with {@link
 * Settings#get}. {@code ServiceHost} checks every declared key of a service at start, so a value of
 * the wrong type or out of range stops the service before it serves, with a message that names the
 * key, the value, where it came from and what is allowed. The declarations are also what
 * docs/CONFIGURATION.md lists; a test keeps the two in step.
 *
 * <p>Instances are immutable: {@link #atLeast}, {@link #between}, {@link #oneOf} and {@link #check}
 * return a new setting with one more rule. A literal default must satisfy the rules, so a
 * declaration that contradicts itself fails when its class is loaded.
 *
 * @param <T> what the value is once parsed
 */
public final class Setting<T> {
  private static final Pattern KEY = Pattern.compile("[a-z0-9]+(?:[.-][a-z0-9]+)*");
  private static final String DURATION_FORM =
      "a duration: milliseconds (1500) or ISO-8601 (PT1.5S)";

  private final String key;
  private final String type;
  private final String form;
  private final Function<String, T> parser;
  private final Function<T, String> show;
  private final String defaultText;
  // Null when the key is required: there is nothing to fall back to.
  private final Function<Settings, T> whenUnset;
  // The default when it is a plain value, so that the rules can be checked against it.
  private final T literalDefault;
  private final String meaning;
  private final List<Rule<T>> rules;

  private record Rule<T>(Predicate<? super T> test, String allowed) {}

  private Setting(
      String key,
      String type,
      String form,
      Function<String, T> parser,
      Function<T, String> show,
      String defaultText,
      Function<Settings, T> whenUnset,
      T literalDefault,
      String meaning,
      List<Rule<T>> rules) {
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "'" + key + "' is not a setting key: lower-case words joined by '.' or '-'");
    }
    if (meaning.isBlank()) {
      throw new IllegalArgumentException("the setting " + key + " needs a meaning");
    }
    this.key = key;
    this.type = type;
    this.form = form;
    this.parser = parser;
    this.show = show;
    this.defaultText = defaultText;
    this.whenUnset = whenUnset;
    this.literalDefault = literalDefault;
    this.meaning = meaning;
    this.rules = List.copyOf(rules);
  }

  private static <T> Setting<T> literal(
      String key,
      String type,
      String form,
      Function<String, T> parser,
      Function<T, String> show,
      T defaultValue,
      String meaning) {
    Objects.requireNonNull(defaultValue, key);
    return new Setting<>(
        key,
        type,
        form,
        parser,
        show,
        show.apply(defaultValue),
        settings -> defaultValue,
        defaultValue,
        meaning,
        List.of());
  }

  private static <T> Setting<T> computed(
      String key,
      String type,
      String form,
      Function<String, T> parser,
      Function<T, String> show,
      String defaultText,
      Function<Settings, T> defaultValue,
      String meaning) {
    return new Setting<>(
        key, type, form, parser, show, defaultText, defaultValue, null, meaning, List.of());
  }

  // ---------------------------------------------------------------------------------------------
  // Factories, one per type

  /** A 32-bit integer ("42"). */
  public static Setting<Integer> integer(String key, int defaultValue, String meaning) {
    return literal(
        key, "integer", "an integer", Integer::parseInt, String::valueOf, defaultValue, meaning);
  }

  /**
   * A 32-bit integer whose default depends on other settings or on the machine.
   *
   * @param defaultText the default as the documentation states it ("4 × executor.task-slots")
   */
  public static Setting<Integer> integer(
      String key, String defaultText, Function<Settings, Integer> defaultValue, String meaning) {
    return computed(
        key,
        "integer",
        "an integer",
        Integer::parseInt,
        String::valueOf,
        defaultText,
        defaultValue,
        meaning);
  }

  /** A 64-bit integer ("16777216"). */
  public static Setting<Long> longValue(String key, long defaultValue, String meaning) {
    return literal(
        key, "long", "an integer", Long::parseLong, String::valueOf, defaultValue, meaning);
  }

  /**
   * A 64-bit integer whose default depends on other settings.
   *
   * @param defaultText the default as the documentation states it ("limits.fuel")
   */
  public static Setting<Long> longValue(
      String key, String defaultText, Function<Settings, Long> defaultValue, String meaning) {
    return computed(
        key,
        "long",
        "an integer",
        Long::parseLong,
        String::valueOf,
        defaultText,
        defaultValue,
        meaning);
  }

  /** A finite decimal number ("0.5", "1e6"). */
  public static Setting<Double> decimal(String key, double defaultValue, String meaning) {
    return literal(
        key,
        "decimal",
        "a number",
        Setting::parseDecimal,
        Setting::showDecimal,
        defaultValue,
        meaning);
  }

  /** {@code true} or {@code false}, exactly. */
  public static Setting<Boolean> flag(String key, boolean defaultValue, String meaning) {
    return literal(
        key,
        "boolean",
        "true or false",
        Setting::parseFlag,
        String::valueOf,
        defaultValue,
        meaning);
  }

  /**
   * A duration, given in milliseconds ("1500") or ISO-8601 ("PT1.5S"); the documentation shows its
   * default in ISO-8601.
   */
  public static Setting<Duration> duration(String key, Duration defaultValue, String meaning) {
    return literal(
        key,
        "duration",
        DURATION_FORM,
        Setting::parseDuration,
        Duration::toString,
        defaultValue,
        meaning);
  }

  /**
   * A duration whose key is named in milliseconds ({@code rfc0016.t1-ms}): given, like any
   * duration, in milliseconds or ISO-8601, but documented with its default in milliseconds.
   */
  public static Setting<Duration> millis(String key, long defaultMillis, String meaning) {
    return literal(
        key,
        "duration",
        DURATION_FORM,
        Setting::parseDuration,
        d -> Long.toString(d.toMillis()),
        Duration.ofMillis(defaultMillis),
        meaning);
  }

  /** Text, taken as given (not trimmed). */
  public static Setting<String> string(String key, String defaultValue, String meaning) {
    return literal(
        key, "string", "text", Function.identity(), Setting::showText, defaultValue, meaning);
  }

  /**
   * Text whose default is another setting's value or is computed from it.
   *
   * @param defaultText the default as the documentation states it ("grpc.host")
   */
  public static Setting<String> string(
      String key, String defaultText, Function<Settings, String> defaultValue, String meaning) {
    return computed(
        key,
        "string",
        "text",
        Function.identity(),
        Setting::showText,
        defaultText,
        defaultValue,
        meaning);
  }

  /** Text that must be given: the service cannot start without it. */
  public static Setting<String> requiredString(String key, String meaning) {
    return new Setting<>(
        key,
        "string",
        "text",
        Function.identity(),
        Setting::showText,
        "(required)",
        null,
        null,
        meaning,
        List.of());
  }

  /**
   * Text that may be left unset; the service then does what {@code whenUnset} says.
   *
   * @param whenUnset what the documentation shows as the default ("grpc.host:the bound port")
   */
  public static Setting<Optional<String>> optionalString(
      String key, String whenUnset, String meaning) {
    return computed(
        key,
        "string",
        "text",
        Optional::of,
        v -> v.map(Setting::showText).orElse(""),
        whenUnset,
        settings -> Optional.empty(),
        meaning);
  }

  /** A file system path. */
  public static Setting<Path> path(String key, Path defaultValue, String meaning) {
    return literal(
        key, "path", "a file system path", Path::of, Path::toString, defaultValue, meaning);
  }

  /**
   * A file system path that may be left unset.
   *
   * @param whenUnset what the documentation shows as the default ("data-dir/SERVICE.key")
   */
  public static Setting<Optional<Path>> optionalPath(String key, String whenUnset, String meaning) {
    return computed(
        key,
        "path",
        "a file system path",
        v -> Optional.of(Path.of(v)),
        v -> v.map(Path::toString).orElse(""),
        whenUnset,
        settings -> Optional.empty(),
        meaning);
  }

  /**
   * A comma-separated list, empty entries dropped ("a:1, b:2"); a YAML list is the same. Empty by
   * default.
   */
  public static Setting<List<String>> list(String key, String meaning) {
    return literal(
        key,
        "list",
        "a comma-separated list",
        Setting::parseList,
        Setting::showList,
        List.of(),
        meaning);
  }

  /**
   * A comma-separated list of {@code name=value} pairs ({@code matmul=8,sha256=2}), as a map in the
   * given order. Empty by default.
   *
   * @param form how one pair looks, for the documentation and messages ("operation=weight")
   * @param value parses one value; any exception it throws makes the whole setting invalid
   */
  public static <V> Setting<Map<String, V>> pairs(
      String key, String form, Function<String, V> value, String meaning) {
    return literal(
        key,
        "list of " + form,
        "a comma-separated list of " + form,
        text -> parsePairs(text, value),
        Setting::showPairs,
        Map.of(),
        meaning);
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  /** Allows only values at or above {@code min}. */
  public Setting<T> atLeast(T min) {
    requireOrdered(min);
    return withRule(v -> compare(v, min) >= 0, "at least " + showBound(min));
  }

  /** Allows only values from {@code min} to {@code max}, both included. */
  public Setting<T> between(T min, T max) {
    requireOrdered(min);
    requireOrdered(max);
    return withRule(
        v -> compare(v, min) >= 0 && compare(v, max) <= 0,
        "from " + showBound(min) + " to " + showBound(max));
  }

  /** Allows only the values listed. */
  @SafeVarargs
  public final Setting<T> oneOf(T... choices) {
    List<T> allowed = List.of(choices);
    return withRule(
        allowed::contains,
        "one of " + allowed.stream().map(this::showBound).collect(Collectors.joining(", ")));
  }

  /**
   * Allows only values that pass {@code test}.
   *
   * @param allowed what passes, as a phrase that completes "allowed: ..." ("greater than 0")
   */
  public Setting<T> check(Predicate<? super T> test, String allowed) {
    return withRule(test, allowed);
  }

  private Setting<T> withRule(Predicate<? super T> test, String allowed) {
    if (literalDefault != null && !test.test(literalDefault)) {
      throw new IllegalArgumentException(
          "the default of " + key + ", " + defaultText + ", is not " + allowed);
    }
    List<Rule<T>> more = new ArrayList<>(rules);
    more.add(new Rule<>(test, allowed));
    return new Setting<>(
        key, type, form, parser, show, defaultText, whenUnset, literalDefault, meaning, more);
  }

  private void requireOrdered(T bound) {
    if (!(bound instanceof Comparable<?>)) {
      throw new IllegalArgumentException(
          "the setting " + key + " is a " + type + ", which has no order for a range");
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> int compare(T value, T bound) {
    return ((Comparable<T>) value).compareTo(bound);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * The value of this key in {@code settings}, or its default when unset.
   *
   * @throws SettingsException if the value does not parse or is not allowed, or if the key is
   *     required and unset
   */
  public T read(Settings settings) {
    Optional<String> raw = settings.find(key);
    if (raw.isPresent()) {
      return parse(raw.get(), "");
    }
    if (whenUnset == null) {
      throw new SettingsException(
          "setting '" + key + "' is required but not set (" + stripPeriod(meaning) + ")");
    }
    return whenUnset.apply(settings);
  }

  /**
   * Checks this key's value in {@code settings} without the default: a value given must parse and
   * be allowed, and a required key must be given.
   *
   * @param source where the value came from ("--set", "the file x.yaml"), or empty
   */
  void validate(Settings settings, String source) {
    Optional<String> raw = settings.find(key);
    if (raw.isPresent()) {
      parse(raw.get(), source);
    } else if (whenUnset == null) {
      read(settings);
    }
  }

  /** Parses {@code raw} and applies the rules; {@code source} says where it came from, or "". */
  T parse(String raw, String source) {
    T value;
    try {
      value = parser.apply(stripped(raw));
    } catch (RuntimeException e) {
      throw invalid(raw, source, e);
    }
    for (Rule<T> rule : rules) {
      if (!rule.test().test(value)) {
        throw invalid(raw, source, null);
      }
    }
    return value;
  }

  // Text and paths are taken as given; everything else ignores surrounding blanks, as the typed
  // getters of Settings always have.
  private String stripped(String raw) {
    return type.equals("string") || type.equals("path") ? raw : raw.trim();
  }

  private SettingsException invalid(String raw, String source, Throwable cause) {
    String from = source.isEmpty() ? "" : " (from " + source + ")";
    return new SettingsException(
        "setting '"
            + key
            + "' has the invalid value '"
            + raw
            + "'"
            + from
            + "; allowed: "
            + allowed(),
        cause);
  }

  // ---------------------------------------------------------------------------------------------
  // What the documentation shows

  /** The key, e.g. {@code grpc.port}. */
  public String key() {
    return key;
  }

  /** The type as documented: integer, long, decimal, boolean, duration, string, path, list... */
  public String type() {
    return type;
  }

  /** The default as documented: a value one could give, or how it is derived. */
  public String defaultText() {
    return defaultText;
  }

  /**
   * The rules on the value ("at least 1", "from 0 to 65535"), or "" when any value of the type
   * goes.
   */
  public String range() {
    return rules.stream().map(Rule::allowed).collect(Collectors.joining(", "));
  }

  /** What a value must be, type and rules together ("an integer, from 0 to 65535"). */
  public String allowed() {
    String range = range();
    return range.isEmpty() ? form : form + ", " + range;
  }

  /** What the setting does, in one sentence. */
  public String meaning() {
    return meaning;
  }

  /** Whether the service cannot start without this key. */
  public boolean required() {
    return whenUnset == null;
  }

  @Override
  public String toString() {
    return key + " (" + type + ", default " + defaultText + ")";
  }

  // ---------------------------------------------------------------------------------------------
  // Parsing and showing values

  private static double parseDecimal(String text) {
    double d = Double.parseDouble(text);
    if (!Double.isFinite(d)) {
      throw new NumberFormatException("not finite: " + text);
    }
    return d;
  }

  private static boolean parseFlag(String text) {
    return switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(text);
    };
  }

  private static Duration parseDuration(String text) {
    return text.startsWith("P") ? Duration.parse(text) : Duration.ofMillis(Long.parseLong(text));
  }

  private static List<String> parseList(String text) {
    return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static <V> Map<String, V> parsePairs(String text, Function<String, V> value) {
    Map<String, V> pairs = new LinkedHashMap<>();
    for (String item : parseList(text)) {
      int eq = item.lastIndexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("'" + item + "' is not name=value");
      }
      pairs.put(item.substring(0, eq).trim(), value.apply(item.substring(eq + 1).trim()));
    }
    return Collections.unmodifiableMap(pairs);
  }

  private static String showDecimal(Double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  private static String showText(String s) {
    return s.isEmpty() ? "(empty)" : s;
  }

  private static String showList(List<String> list) {
    return list.isEmpty() ? "(empty)" : String.join(",", list);
  }

  private static <V> String showPairs(Map<String, V> pairs) {
    return pairs.isEmpty()
        ? "(empty)"
        : pairs.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }

  // Bounds of a range read better with a unit than as ISO-8601 when they are short.
  private String showBound(T bound) {
    if (bound instanceof Duration d) {
      long ms = d.toMillis();
      return ms < 60_000 || d.toSeconds() * 1000 != ms ? ms + " ms" : d.toString();
    }
    return show.apply(bound);
  }

  private static String stripPeriod(String sentence) {
    return sentence.endsWith(".") ? sentence.substring(0, sentence.length() - 1) : sentence;
  }
}
