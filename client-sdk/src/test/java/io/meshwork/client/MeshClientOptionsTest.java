package io.meshwork.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshClientOptionsTest {
  @Test
  void defaultsReachADevelopmentMeshOnThisMachine(@TempDir Path home) {
    MeshClientOptions options = MeshClientOptions.newBuilder().home(home).build();

    assertEquals("localhost:50051", options.orchestratorTarget());
    assertEquals("localhost:50052", options.ledgerTarget());
    assertEquals("localhost:50053", options.receiptTarget());
    assertEquals(64 * 1024 * 1024, options.maxMessageBytes());
    assertEquals(Duration.ofSeconds(30), options.callDeadline());
  }

  @Test
  void theIdentityIsCreatedUnderTheHomeOnFirstUseAndReusedAfter(@TempDir Path home) {
    Identity first = MeshClientOptions.newBuilder().home(home).build().identity();
    Identity second = MeshClientOptions.newBuilder().home(home).build().identity();

    assertTrue(Files.exists(home.resolve("identity.key")));
    assertEquals(first.did(), second.did());
  }

  @Test
  void badSettingsAreRefusedWhenSet() {
    MeshClientOptions.Builder options = MeshClientOptions.newBuilder();
    assertThrows(IllegalArgumentException.class, () -> options.orchestratorTarget(" "));
    assertThrows(IllegalArgumentException.class, () -> options.maxMessageBytes(10));
    assertThrows(IllegalArgumentException.class, () -> options.callDeadline(Duration.ZERO));
  }

  @Test
  void toBuilderKeepsEverySetting() {
    Identity identity = Identity.generate();
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .identity(identity)
            .orchestratorTarget("mesh:1")
            .ledgerTarget("mesh:2")
            .receiptTarget("mesh:3")
            .maxMessageBytes(4096)
            .callDeadline(Duration.ofSeconds(2))
            .build();

    assertEquals(options.toString(), options.toBuilder().build().toString());
  }

  @Test
  void aDevelopmentMeshsCaUnderTheHomeIsTrustedForTargetsOnThisMachine(@TempDir Path home)
      throws Exception {
    Path ca = home.resolve("dev/tls/ca.pem");
    Files.createDirectories(ca.getParent());
    Files.writeString(ca, "a CA certificate");

    MeshClientOptions local = MeshClientOptions.newBuilder().home(home).build();
    MeshClientOptions byAddress =
        MeshClientOptions.newBuilder()
            .home(home)
            .orchestratorTarget("127.0.0.1:50151")
            .ledgerTarget("127.0.0.1:50152")
            .receiptTarget("[::1]:50153")
            .build();
    MeshClientOptions remote =
        MeshClientOptions.newBuilder().home(home).orchestratorTarget("mesh.example:50051").build();

    assertEquals(Optional.of(ca), local.caCertificate());
    assertEquals(Optional.of(ca), byAddress.caCertificate());
    assertEquals(Optional.empty(), remote.caCertificate(), "a remote mesh's CA is not guessed");
  }

  @Test
  void aNamedCaFileWinsAndMustExist(@TempDir Path home) throws Exception {
    Path ca = Files.writeString(home.resolve("mesh-ca.pem"), "a CA certificate");

    assertEquals(
        Optional.of(ca),
        MeshClientOptions.newBuilder().home(home).caCertificate(ca).build().caCertificate());
    assertThrows(
        IllegalArgumentException.class,
        () -> MeshClientOptions.newBuilder().home(home).caCertificate(home.resolve("x")).build());
  }

  @Test
  void withoutADevelopmentMeshTheDefaultCasAreTrusted(@TempDir Path home) {
    MeshClientOptions options = MeshClientOptions.newBuilder().home(home).build();

    assertEquals(Optional.empty(), options.caCertificate());
    assertTrue(!options.plaintext());
  }
}
