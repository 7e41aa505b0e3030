package io.meshwork.identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON test vector files: objects, arrays, strings, numbers (as Long), booleans and null.
 * Good enough for trusted test data, not a general parser.
 */
final class VectorJson {
  private final String text;
  private int pos;

  private VectorJson(String text) {
    this.text = text;
  }

  static Object parse(String text) {
    VectorJson reader = new VectorJson(text);
    Object value = reader.value();
    reader.space();
    if (reader.pos != text.length()) {
      throw new IllegalArgumentException("trailing data at " + reader.pos);
    }
    return value;
  }

  private Object value() {
    space();
    char c = text.charAt(pos);
    switch (c) {
      case '{' -> {
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        space();
        if (text.charAt(pos) == '}') {
          pos++;
          return map;
        }
        do {
          space();
          String key = string();
          space();
          expect(':');
          map.put(key, value());
          space();
        } while (text.charAt(pos++) == ',');
        check(text.charAt(pos - 1) == '}');
        return map;
      }
      case '[' -> {
        pos++;
        List<Object> list = new ArrayList<>();
        space();
        if (text.charAt(pos) == ']') {
          pos++;
          return list;
        }
        do {
          list.add(value());
          space();
        } while (text.charAt(pos++) == ',');
        check(text.charAt(pos - 1) == ']');
        return list;
      }
      case '"' -> {
        return string();
      }
      default -> {
        for (String word : new String[] {"true", "false", "null"}) {
          if (text.startsWith(word, pos)) {
            pos += word.length();
            return word.equals("null") ? null : Boolean.valueOf(word);
          }
        }
        int start = pos;
        while (pos < text.length() && "-0123456789".indexOf(text.charAt(pos)) >= 0) {
          pos++;
        }
        check(pos > start);
        return Long.parseLong(text.substring(start, pos));
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    char c;
    while ((c = text.charAt(pos++)) != '"') {
      if (c == '\\') {
        char e = text.charAt(pos++);
        switch (e) {
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case 'u' -> {
            out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> out.append(e);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private void space() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private void expect(char c) {
    check(text.charAt(pos++) == c);
  }

  private void check(boolean ok) {
    if (!ok) {
      throw new IllegalArgumentException("bad JSON near offset " + pos);
    }
  }
}
