package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshwork demo} as a new user runs it: nothing set up, so it starts the development mesh,
 * which makes its own CA, and counts the words over TLS.
 */
class DemoTest {
  @TempDir Path home;
  @TempDir Path dataDir;

  @Test
  void theDemoRunsOverTlsWithACaItMadeItself() {
    int base = MeshLayout.onFreePorts(2).base();
    StringWriter err = new StringWriter();
    var cli = Meshwork.commandLine();
    cli.setErr(new PrintWriter(err, true));

    int exit =
        cli.execute(
            "--home",
            home.toString(),
            "demo",
            "--data-dir",
            dataDir.toString(),
            "--port-base",
            Integer.toString(base),
            "--size-mb",
            "1");

    assertEquals(0, exit, err.toString());
    assertTrue(Files.exists(dataDir.resolve("tls").resolve("ca.pem")), "the mesh made its CA");
    assertTrue(Files.exists(home.resolve("identity.key")), "the user's identity is in --home");
  }
}
