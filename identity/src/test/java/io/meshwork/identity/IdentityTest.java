package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
  @TempDir Path dir;

  @Test
  void saveAndLoadRoundTrip() throws IOException {
    Identity identity = Identity.generate();
    Path file = dir.resolve("keys/nested/executor.identity");
    identity.save(file);
    Identity loaded = Identity.load(file);
    assertEquals(identity.did(), loaded.did());
    assertArrayEquals(identity.seed(), loaded.seed());
    assertArrayEquals(identity.publicKey(), loaded.publicKey());
    String text = Files.readString(file);
    assertTrue(text.contains("did: " + identity.did() + "\n"), text);
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
    try (var files = Files.list(file.getParent())) {
      assertEquals(1, files.count(), "no temporary file is left behind");
    }
  }

  @Test
  void loadOrCreateCreatesOnceThenLoads() throws IOException {
    Path file = dir.resolve("a/b/identity");
    Identity first = Identity.loadOrCreate(file);
    Identity second = Identity.loadOrCreate(file);
    assertEquals(first.did(), second.did());
    assertArrayEquals(first.seed(), second.seed());
    try (var files = Files.list(file.getParent())) {
      assertEquals(1, files.count());
    }
  }

  @Test
  void loadRejectsDamagedFiles() throws IOException {
    Path file = dir.resolve("identity");
    Identity identity = Identity.generate();
    identity.save(file);
    String text = Files.readString(file);

    Files.writeString(file, text.replace(identity.did(), Identity.generate().did()));
    assertTrue(
        assertThrows(IOException.class, () -> Identity.load(file)).getMessage().contains("did"));

    Files.writeString(file, "did: " + identity.did() + "\n");
    assertTrue(
        assertThrows(IOException.class, () -> Identity.load(file)).getMessage().contains("seed"));

    Files.writeString(file, "seed: AAAA\n");
    assertTrue(
        assertThrows(IOException.class, () -> Identity.load(file)).getMessage().contains("bytes"));

    Files.writeString(file, "seed: !!!\n");
    assertThrows(IOException.class, () -> Identity.load(file));

    // A hand-written file without the informational did line is fine.
    String seedLine =
        "seed: " + Base64.getUrlEncoder().withoutPadding().encodeToString(identity.seed()) + "\n";
    Files.writeString(file, seedLine, StandardCharsets.UTF_8);
    assertEquals(identity.did(), Identity.load(file).did());
  }

  @Test
  void toStringDoesNotRevealTheSeed() {
    Identity identity = Identity.fromSeed(HexFormat.of().parseHex("11".repeat(32)));
    String shown = identity.toString();
    assertTrue(shown.contains(identity.did()));
    assertFalse(shown.contains(HexFormat.of().formatHex(identity.seed())));
    assertFalse(
        shown.contains(Base64.getUrlEncoder().withoutPadding().encodeToString(identity.seed())));
    assertFalse(shown.contains(Base64.getEncoder().encodeToString(identity.seed())));
  }

  @Test
  void accessorsReturnCopies() {
    Identity identity = Identity.generate();
    identity.seed()[0] ^= 1;
    identity.publicKey()[0] ^= 1;
    byte[] message = {9};
    assertTrue(Ed25519.verify(identity.publicKey(), message, identity.sign(message)));
    byte[] seed = identity.seed();
    assertEquals(identity.did(), Identity.fromSeed(seed).did());
    assertThrows(IllegalArgumentException.class, () -> Identity.fromSeed(new byte[31]));
    assertNotEquals(Identity.generate().did(), Identity.generate().did());
  }

  @Test
  void signingIsThreadSafe() throws Exception {
    Identity identity = Identity.generate();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    byte[] message = ("m" + thread + "-" + i).getBytes(StandardCharsets.UTF_8);
                    byte[] signature = identity.sign(message);
                    if (!Ed25519.verify(identity.publicKey(), message, signature)) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> result : results) {
        assertTrue(result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
