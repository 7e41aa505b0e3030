package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The development mesh hands each service only its own keys, and refuses keys nobody reads. */
class DevMeshSettingsTest {
  @TempDir Path dir;

  @Test
  void aKeyNoServiceDeclaresStopsTheMeshBeforeAnythingStarts() {
    SettingsException e =
        assertThrows(
            SettingsException.class, () -> DevMesh.start(dir, 0, 1, Map.of("rfc0016.t2ms", "500")));

    assertEquals(
        "unknown setting 'rfc0016.t2ms': no service of the mesh declares it", e.getMessage());
    assertFalse(Files.exists(dir.resolve("ledger")), "no service was started");
  }

  @Test
  void eachServiceGetsOnlyTheKeysItDeclares() {
    try (DevMesh mesh =
        DevMesh.start(
            dir,
            0,
            1,
            Map.of(
                "ledger.dev-grant", "5",
                "executor.task-slots", "1",
                "rfc0016.t2-ms", "500",
                "receipts.origin", "example.org/dev"))) {
      assertEquals(4, mesh.endpoints().size());
    }
  }
}
