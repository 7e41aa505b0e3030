package io.meshwork.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshwork.runtime.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps the "Blob store" table of docs/CONFIGURATION.md true to {@link BlobSettings#KEYS}: every
 * key, in order, with its type, default and allowed values. (dist's ConfigurationDocTest checks the
 * deployables' tables; this one joins it once a deployable serves the blob store.)
 */
class BlobSettingsDocTest {
  private static final Path DOC = Path.of("..", "docs", "CONFIGURATION.md");

  @Test
  void theTableListsEveryKeyWithItsTypeDefaultAndRange() throws IOException {
    List<String> documented = new ArrayList<>();
    boolean inSection = false;
    for (String line : Files.readAllLines(DOC)) {
      if (line.startsWith("## ")) {
        inSection = line.startsWith("## Blob store");
      } else if (inSection && line.startsWith("| blobs.")) {
        String[] cells = line.split("\\|", -1);
        documented.add(
            String.join(" | ", cell(cells[1]), cell(cells[2]), cell(cells[3]), cell(cells[4])));
      }
    }
    List<String> declared = new ArrayList<>();
    for (Setting<?> s : BlobSettings.KEYS) {
      declared.add(String.join(" | ", s.key(), s.type(), s.defaultText(), s.range()));
    }
    assertEquals(String.join("\n", declared), String.join("\n", documented));
  }

  private static String cell(String text) {
    return text.replace("`", "").strip();
  }
}
