package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.Identity;
import io.meshwork.identity.TokenVerifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code meshwork dashboard}: the address it opens, and the token in it. */
class DashboardCommandTest {
  @TempDir Path home;

  private String run(String... args) {
    CommandLine cli =
        MeshCli.commandLine(
            options -> {
              throw new AssertionError("the dashboard command calls no service");
            });
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    assertEquals(0, cli.execute(all));
    return out.toString();
  }

  @Test
  void theAddressCarriesAOneTimeDashboardTokenOfTheCallersKeyInItsFragment() throws Exception {
    JsonObject json =
        JsonParser.parseString(
                run("--orchestrator", "localhost:50051", "--json", "dashboard", "--no-browser"))
            .getAsJsonObject();
    String url = json.get("url").getAsString();
    assertTrue(url.startsWith("https://localhost:52051/dashboard/#token="), url);
    assertFalse(json.get("opened").getAsBoolean());
    String token = url.substring(url.indexOf("#token=") + 7);
    String did = Identity.load(home.resolve("identity.key")).did();
    assertEquals(did, json.get("did").getAsString());
    TokenVerifier verifier = new TokenVerifier(Clock.systemUTC());
    assertEquals(did, verifier.verify(token, BearerTokens.DASHBOARD_AUDIENCE));
  }

  @Test
  void aGivenAddressIsUsedAndTheTextFormSaysHowLongItLasts() {
    String out = run("dashboard", "--no-browser", "--url", "https://mesh.example:8443/");
    assertTrue(out.contains("within 120 s"), out);
    assertTrue(out.contains("https://mesh.example:8443/dashboard/#token="), out);
  }

  @Test
  void aPlaintextMeshsDashboardIsHttp() {
    assertEquals(
        URI.create("http://127.0.0.1:52151/"),
        DashboardCommand.defaultUrl("127.0.0.1:50151", true));
  }
}
