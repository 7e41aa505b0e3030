package io.meshwork.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON for the harness: reading what the Node runner prints and writing the {@code
 * --json} report. Objects become {@link Map}s (in document order), arrays {@link List}s, numbers
 * {@link Double}s. A library would be one more pinned dependency for two small documents.
 */
final class Json {

  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON value; anything but white space after it is an error. */
  static Object parse(String text) {
    Json reader = new Json(text);
    Object value = reader.value();
    reader.skipSpace();
    if (reader.at != text.length()) {
      throw reader.error("unexpected text after the value");
    }
    return value;
  }

  /** Writes a value made of maps, lists, strings, numbers, booleans and nulls, indented. */
  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, "");
    return out.append('\n').toString();
  }

  private Object value() {
    skipSpace();
    if (at >= text.length()) {
      throw error("unexpected end of input");
    }
    char c = text.charAt(at);
    return switch (c) {
      case '{' -> object();
      case '[' -> array();
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> number();
    };
  }

  private Map<String, Object> object() {
    Map<String, Object> members = new LinkedHashMap<>();
    at++;
    skipSpace();
    if (peek('}')) {
      at++;
      return members;
    }
    while (true) {
      skipSpace();
      String name = string();
      skipSpace();
      expect(':');
      members.put(name, value());
      skipSpace();
      if (peek(',')) {
        at++;
      } else {
        expect('}');
        return members;
      }
    }
  }

  private List<Object> array() {
    List<Object> items = new ArrayList<>();
    at++;
    skipSpace();
    if (peek(']')) {
      at++;
      return items;
    }
    while (true) {
      items.add(value());
      skipSpace();
      if (peek(',')) {
        at++;
      } else {
        expect(']');
        return items;
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (at < text.length()) {
      char c = text.charAt(at++);
      if (c == '"') {
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (at >= text.length()) {
        break;
      }
      char escaped = text.charAt(at++);
      switch (escaped) {
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (at + 4 > text.length()) {
            throw error("truncated \\u escape");
          }
          out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
        }
        default -> out.append(escaped);
      }
    }
    throw error("unterminated string");
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, at)) {
      throw error("unexpected character");
    }
    at += word.length();
    return value;
  }

  private Double number() {
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
    if (start == at) {
      throw error("unexpected character");
    }
    try {
      return Double.valueOf(text.substring(start, at));
    } catch (NumberFormatException e) {
      throw error("malformed number");
    }
  }

  private void skipSpace() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }

  private boolean peek(char c) {
    return at < text.length() && text.charAt(at) == c;
  }

  private void expect(char c) {
    if (!peek(c)) {
      throw error("expected '" + c + "'");
    }
    at++;
  }

  private IllegalArgumentException error(String message) {
    return new IllegalArgumentException("malformed JSON at offset " + at + ": " + message);
  }

  private static void write(Object value, StringBuilder out, String indent) {
    switch (value) {
      case null -> out.append("null");
      case Map<?, ?> map -> {
        if (map.isEmpty()) {
          out.append("{}");
          return;
        }
        String inner = indent + "  ";
        out.append("{\n");
        int i = 0;
        for (Map.Entry<?, ?> member : map.entrySet()) {
          out.append(inner);
          writeString(String.valueOf(member.getKey()), out);
          out.append(": ");
          write(member.getValue(), out, inner);
          out.append(++i < map.size() ? ",\n" : "\n");
        }
        out.append(indent).append('}');
      }
      case List<?> list -> {
        // Numbers stay on one line; objects and lists get a line each.
        boolean nested =
            list.stream().anyMatch(item -> item instanceof Map || item instanceof List);
        String inner = indent + "  ";
        out.append(nested ? "[\n" : "[");
        for (int i = 0; i < list.size(); i++) {
          if (nested) {
            out.append(inner);
          }
          write(list.get(i), out, inner);
          if (i + 1 < list.size()) {
            out.append(nested ? ",\n" : ", ");
          }
        }
        out.append(nested ? "\n" + indent + "]" : "]");
      }
      case String s -> writeString(s, out);
      case Double d when d.isNaN() || d.isInfinite() -> out.append("null");
      case Number n -> out.append(n);
      case Boolean b -> out.append(b);
      default -> writeString(value.toString(), out);
    }
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
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
