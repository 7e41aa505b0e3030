package io.meshwork.benchmarks;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * JSON for the harness, through Gson (which grpc already brings): reading what the Node runner and
 * the trial JVMs print, and writing the {@code --json} report. Objects become {@link
 * java.util.Map}s in document order, arrays {@link java.util.List}s, numbers {@link Double}s.
 */
final class Json {
  /** A figure that could not be measured (NaN, infinite) is written as null, which is JSON. */
  private static final TypeAdapter<Double> FINITE_OR_NULL =
      new TypeAdapter<>() {
        @Override
        public void write(JsonWriter out, Double value) throws IOException {
          if (value == null || value.isNaN() || value.isInfinite()) {
            out.nullValue();
          } else {
            out.value(value);
          }
        }

        @Override
        public Double read(JsonReader in) throws IOException {
          return in.nextDouble();
        }
      };

  private static final Gson GSON =
      new GsonBuilder()
          .setPrettyPrinting()
          .serializeNulls()
          .registerTypeAdapter(Double.class, FINITE_OR_NULL)
          .create();

  private Json() {}

  /** Parses one JSON value. */
  static Object parse(String text) {
    try {
      return GSON.fromJson(text, Object.class);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  /** Writes a value made of maps, lists, strings, numbers, booleans and nulls, indented. */
  static String write(Object value) {
    return GSON.toJson(value) + "\n";
  }
}
