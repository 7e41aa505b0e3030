package io.meshwork.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the committed test modules; rebuild them from their .wat with examples/build.sh. Public for
 * the tests of {@code io.meshwork.sandbox.internal}.
 */
public final class TestModules {

  private TestModules() {}

  /** A module from {@code src/test/resources/modules}. */
  public static byte[] resource(String name) {
    try (InputStream in = TestModules.class.getResourceAsStream("/modules/" + name + ".wasm")) {
      if (in == null) {
        throw new IllegalStateException("no test module " + name + "; run examples/build.sh");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The word-count example; Maven runs tests from the module directory. */
  public static byte[] wordCount() {
    try {
      return Files.readAllBytes(Path.of("..", "examples", "wordcount", "wordcount.wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
