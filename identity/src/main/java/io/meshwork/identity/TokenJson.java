package io.meshwork.identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the flat JSON objects of a bearer token's header and claims.
 *
 * <p>Only what tokens need is accepted: one object whose values are strings, integers, booleans or
 * arrays of strings. Anything else, including a repeated member name (which two parsers could
 * resolve differently), is rejected, because a token that could be read two ways must not pass.
 */
final class TokenJson {
  private final String text;
  private int pos;

  private TokenJson(String text) {
    this.text = text;
  }

  /**
   * Parses a flat JSON object; values are {@link String}, {@link Long}, {@link Boolean} or an
   * unmodifiable {@code List<String>}.
   *
   * @throws IllegalArgumentException if the text is not such an object
   */
  static Map<String, Object> parseObject(String text) {
    TokenJson parser = new TokenJson(text);
    Map<String, Object> members = parser.object();
    parser.skipSpace();
    if (parser.pos != text.length()) {
      throw parser.error("trailing characters after the object");
    }
    return members;
  }

  /** Appends {@code value} to {@code out} as a JSON string literal. */
  static void appendString(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
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

  private Map<String, Object> object() {
    skipSpace();
    expect('{');
    Map<String, Object> members = new LinkedHashMap<>();
    skipSpace();
    if (peek() == '}') {
      pos++;
      return members;
    }
    while (true) {
      skipSpace();
      String name = string();
      skipSpace();
      expect(':');
      skipSpace();
      Object value = value();
      if (members.put(name, value) != null) {
        throw error("member '" + name + "' appears twice");
      }
      skipSpace();
      char c = next();
      if (c == '}') {
        return members;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private Object value() {
    char c = peek();
    if (c == '"') {
      return string();
    }
    if (c == '[') {
      return stringArray();
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return integer();
    }
    if (text.startsWith("true", pos)) {
      pos += 4;
      return Boolean.TRUE;
    }
    if (text.startsWith("false", pos)) {
      pos += 5;
      return Boolean.FALSE;
    }
    throw error("unsupported value");
  }

  private List<String> stringArray() {
    expect('[');
    List<String> items = new ArrayList<>();
    skipSpace();
    if (peek() == ']') {
      pos++;
      return List.copyOf(items);
    }
    while (true) {
      skipSpace();
      items.add(string());
      skipSpace();
      char c = next();
      if (c == ']') {
        return List.copyOf(items);
      }
      if (c != ',') {
        throw error("expected ',' or ']'");
      }
    }
  }

  private Long integer() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    int digitsStart = pos;
    while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
      pos++;
    }
    int digits = pos - digitsStart;
    if (digits == 0 || (digits > 1 && text.charAt(digitsStart) == '0')) {
      throw error("malformed number");
    }
    if (pos < text.length() && (text.charAt(pos) == '.' || (text.charAt(pos) | 0x20) == 'e')) {
      throw error("only integer numbers are accepted");
    }
    // Eighteen digits always fit in a long; longer numbers are no plausible time.
    if (digits > 18) {
      throw error("number out of range");
    }
    return Long.parseLong(text, start, pos, 10);
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return out.toString();
      }
      if (c < 0x20) {
        throw error("control character inside a string");
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char escape = next();
      switch (escape) {
        case '"', '\\', '/' -> out.append(escape);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
          }
          try {
            out.append((char) Integer.parseInt(text, pos, pos + 4, 16));
          } catch (NumberFormatException e) {
            throw error("malformed \\u escape");
          }
          pos += 4;
        }
        default -> throw error("unknown escape \\" + escape);
      }
    }
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("unexpected end");
    }
    return text.charAt(pos);
  }

  private char next() {
    char c = peek();
    pos++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      pos--;
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(String problem) {
    return new IllegalArgumentException("JSON " + problem + " at offset " + pos);
  }
}
