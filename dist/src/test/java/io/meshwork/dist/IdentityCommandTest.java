package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshwork identity FILE} makes an identity once and prints its DID, the same DID every time
 * after; a file that is no identity is refused with exit code 1.
 */
class IdentityCommandTest {
  @TempDir Path dir;

  @Test
  void makesTheIdentityOnceAndPrintsItsDidEveryTime() throws Exception {
    Path file = dir.resolve("secrets").resolve("identity.key");

    String first = run(0, file.toString()).strip();
    String second = run(0, file.toString()).strip();

    assertEquals(Identity.load(file).did(), first);
    assertEquals(first, second, "the second run reads the file the first made");
    assertEquals(
        "{\"did\":\"" + first + "\",\"file\":\"" + file + "\"}\n",
        run(0, file.toString(), "--json"));
  }

  @Test
  void aFileThatIsNoIdentityIsRefused() throws Exception {
    Path file = dir.resolve("not-a-key");
    Files.writeString(file, "hello\n");

    StringWriter err = new StringWriter();
    int code = execute(new StringWriter(), err, file.toString());

    assertEquals(1, code);
    assertTrue(err.toString().startsWith("meshwork: identity: identity file "), err.toString());
  }

  private static String run(int expected, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(expected, execute(out, err, args), "stderr: " + err);
    return out.toString();
  }

  private static int execute(StringWriter out, StringWriter err, String... args) {
    var cli = Meshwork.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "identity";
    System.arraycopy(args, 0, all, 1, args.length);
    return cli.execute(all);
  }
}
