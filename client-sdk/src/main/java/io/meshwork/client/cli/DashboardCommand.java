package io.meshwork.client.cli;

import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.Identity;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork dashboard}: opens the orchestrator's dashboard in a browser, signed in as the
 * caller's identity.
 *
 * <p>People hold keys, not passwords: the command mints a token of the caller's key addressed to
 * the dashboard (docs/AUTH.md), good for two minutes and one sign-in, and opens the dashboard with
 * it in the address's fragment, which browsers never send to a server. The page trades it for a
 * session cookie. Where no browser can be opened, the address is printed to open by hand.
 */
@Command(
    name = "dashboard",
    description =
        "Open the orchestrator's dashboard in a browser, signed in as you (prints the address"
            + " when no browser can be opened).")
public final class DashboardCommand implements Callable<Integer> {
  /**
   * The dashboard's port in a development mesh, counted from the orchestrator's gRPC port (50051
   * gives 52051): its admin port is 1000 above, and the dashboard 1000 above that.
   */
  public static final int PORT_OFFSET = 2000;

  // Long enough to switch to the browser, short enough that an address seen by someone else is
  // soon worthless; the token is spent at the first sign-in anyway.
  private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(120);

  @Spec private CommandSpec spec;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "The dashboard's address (default: the --orchestrator host, port "
              + PORT_OFFSET
              + " above its gRPC port, as a development mesh serves it).")
  private URI url;

  @Option(
      names = "--no-browser",
      description = "Only print the address to open; do not start a browser.")
  private boolean noBrowser;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    Identity identity = cli.clientOptions().identity();
    Instant now = Instant.now();
    String token =
        BearerTokens.mint(identity, BearerTokens.DASHBOARD_AUDIENCE, now, TOKEN_LIFETIME);
    URI base = url != null ? url : defaultUrl(cli.orchestrator(), cli.plaintext());
    String address = base.resolve("/dashboard/") + "#token=" + token;
    boolean opened = !noBrowser && openBrowser(address);
    if (cli.json()) {
      Map<String, Object> json = Json.object();
      json.put("url", address);
      json.put("did", identity.did());
      json.put("expires_at", now.plus(TOKEN_LIFETIME).toString());
      json.put("opened", opened);
      cli.out().println(Json.write(json));
    } else if (opened) {
      cli.out().println("opened the dashboard as " + identity.did());
    } else {
      cli.out()
          .println(
              "open this address within "
                  + TOKEN_LIFETIME.toSeconds()
                  + " s (it signs in once, as "
                  + identity.did()
                  + "):");
      cli.out().println(address);
    }
    cli.out().flush();
    return 0;
  }

  /** The development mesh's dashboard beside the orchestrator {@code host:port}. */
  static URI defaultUrl(String orchestrator, boolean plaintext) {
    int colon = orchestrator.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "--orchestrator '" + orchestrator + "' is not HOST:PORT; give the dashboard with --url");
    }
    String host = orchestrator.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(orchestrator.substring(colon + 1)) + PORT_OFFSET;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--orchestrator '"
              + orchestrator
              + "' has no port number; give the dashboard with --url");
    }
    return URI.create((plaintext ? "http" : "https") + "://" + host + ":" + port + "/");
  }

  /**
   * Asks the desktop to open {@code address}; false when there is no desktop to ask (no display on
   * Linux, no opener installed) or it refused.
   */
  private static boolean openBrowser(String address) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    List<String> command;
    if (os.contains("mac")) {
      command = List.of("open", address);
    } else if (os.contains("win")) {
      command = List.of("rundll32", "url.dll,FileProtocolHandler", address);
    } else {
      if (System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null) {
        return false;
      }
      command = List.of("xdg-open", address);
    }
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      // The opener hands the address to the browser and exits; one that hangs counts as failed.
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
