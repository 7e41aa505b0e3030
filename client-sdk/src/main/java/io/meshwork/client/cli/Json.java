package io.meshwork.client.cli;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the JSON the {@code --json} flag prints: maps become objects (in their iteration order),
 * iterables become arrays, and strings, numbers, booleans and null become themselves.
 *
 * <p>Small on purpose: the command line prints a handful of flat objects and should not pull a JSON
 * library into every program that embeds the SDK.
 */
final class Json {
  private Json() {}

  /** Returns an empty object that keeps its fields in the order they are put. */
  static Map<String, Object> object() {
    return new LinkedHashMap<>();
  }

  /** Returns {@code value} as one line of JSON. */
  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    append(out, value);
    return out.toString();
  }

  private static void append(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String text) {
      appendString(out, text);
    } else if (value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Double || value instanceof Float) {
      double number = ((Number) value).doubleValue();
      // JSON has no NaN or infinity.
      out.append(Double.isFinite(number) ? value.toString() : "null");
    } else if (value instanceof Number) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        appendString(out, String.valueOf(entry.getKey()));
        out.append(':');
        append(out, entry.getValue());
      }
      out.append('}');
    } else if (value instanceof Iterable<?> items) {
      out.append('[');
      Iterator<?> it = items.iterator();
      while (it.hasNext()) {
        append(out, it.next());
        if (it.hasNext()) {
          out.append(',');
        }
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }
  }

  private static void appendString(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
