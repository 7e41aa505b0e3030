package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshwork.client.MeshClientOptions;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshwork dev} makes the CLI's identity its operator: the DID it names is the one the CLI
 * calls as from the same home. Whether the services honour the role list is DevMeshSettingsTest's.
 */
class DevCommandTest {
  @TempDir Path home;

  @Test
  void theOperatorIsTheIdentityTheCliCallsAsFromTheSameHome() {
    String operator = DevCommand.operator(home.resolve(MeshClientOptions.IDENTITY_FILE));

    assertEquals(
        MeshClientOptions.newBuilder().home(home).build().identity().did(),
        operator,
        "made by dev first, then found by the CLI");
    assertEquals(operator, DevCommand.operator(home.resolve(MeshClientOptions.IDENTITY_FILE)));
  }

  @Test
  void theOperatorGoesIntoAuthOperatorsBesidePlaintext() {
    assertEquals(
        Map.of("auth.operators", "did:key:z6Mkop"), DevCommand.settings("did:key:z6Mkop", false));
    assertEquals(
        Map.of("auth.operators", "did:key:z6Mkop", "tls.plaintext", "true"),
        DevCommand.settings("did:key:z6Mkop", true));
  }
}
