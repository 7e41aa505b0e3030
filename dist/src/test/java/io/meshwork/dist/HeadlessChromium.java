package io.meshwork.dist;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real headless Chromium, driven over the W3C WebDriver protocol (plain HTTP and JSON to
 * chromedriver, no client library): open a page, run a script in it, take a screenshot.
 *
 * <p>It needs Debian's {@code chromium} and {@code chromium-driver} ({@code .ci/run} installs them
 * when missing); {@link #available()} says whether they are here.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Gson GSON = new Gson();

  private final Process driver;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String session;

  /**
   * Starts chromedriver and a browser session.
   *
   * @param trustedSpki the base64 SHA-256 of a server key whose certificate the browser accepts
   *     (the test has checked that certificate against the mesh's CA itself)
   */
  HeadlessChromium(Path logs, String trustedSpki) throws Exception {
    int port = MeshFixtures.freePort();
    Files.createDirectories(logs);
    driver =
        new ProcessBuilder(DRIVER.toString(), "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve("chromedriver.log").toFile())
            .start();
    base = "http://127.0.0.1:" + port;
    try {
      awaitReady();
      List<String> args = new ArrayList<>();
      args.add("--headless=new");
      // Root, as in CI containers, cannot use Chromium's sandbox.
      args.add("--no-sandbox");
      args.add("--disable-dev-shm-usage");
      args.add("--disable-gpu");
      args.add("--window-size=1400,1000");
      args.add("--ignore-certificate-errors-spki-list=" + trustedSpki);
      Map<String, Object> capabilities =
          Map.of(
              "capabilities",
              Map.of(
                  "alwaysMatch",
                  Map.of(
                      "browserName",
                      "chrome",
                      "goog:chromeOptions",
                      Map.of("binary", CHROMIUM.toString(), "args", args))));
      session =
          call("POST", "/session", capabilities).getAsJsonObject().get("sessionId").getAsString();
    } catch (Exception | Error e) {
      driver.destroyForcibly();
      throw e;
    }
  }

  /** Whether Chromium and its driver are installed. */
  static boolean available() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
  }

  /** Opens {@code url} in the window. */
  void open(String url) throws IOException, InterruptedException {
    call("POST", "/session/" + session + "/url", Map.of("url", url));
  }

  /** Runs {@code script} (a function body) in the page and returns what it returns. */
  JsonElement script(String script) throws IOException, InterruptedException {
    return call(
        "POST",
        "/session/" + session + "/execute/sync",
        Map.of("script", script, "args", List.of()));
  }

  /** Saves a PNG of the window to {@code file}. */
  void screenshot(Path file) throws IOException, InterruptedException {
    String png = call("GET", "/session/" + session + "/screenshot", null).getAsString();
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(png));
  }

  /**
   * Waits until {@code script} returns something other than null or false, and returns it.
   *
   * @throws AssertionError naming {@code what} after {@code limit}
   */
  JsonElement await(String what, String script, Duration limit) throws Exception {
    long until = System.nanoTime() + limit.toNanos();
    while (true) {
      JsonElement value = script(script);
      if (!value.isJsonNull()
          && !(value.isJsonPrimitive()
              && value.getAsJsonPrimitive().isBoolean()
              && !value.getAsBoolean())) {
        return value;
      }
      if (System.nanoTime() > until) {
        throw new AssertionError(
            "the page did not show "
                + what
                + " within "
                + limit
                + "; it shows: "
                + script("return document.body.innerText;"));
      }
      Thread.sleep(100);
    }
  }

  private void awaitReady() throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        JsonElement status = call("GET", "/status", null);
        if (status.getAsJsonObject().get("ready").getAsBoolean()) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      if (!driver.isAlive() || System.nanoTime() > until) {
        throw new IllegalStateException("chromedriver did not start (see chromedriver.log)");
      }
      Thread.sleep(100);
    }
  }

  /** One WebDriver command: its {@code value}, or an error naming what the driver said. */
  private JsonElement call(String method, String path, Object body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(GSON.toJson(body)));
    request.header("Content-Type", "application/json");
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonObject answer = JsonParser.parseString(response.body()).getAsJsonObject();
    if (response.statusCode() != 200) {
      throw new IOException("WebDriver " + method + " " + path + ": " + answer);
    }
    return Optional.ofNullable(answer.get("value")).orElse(com.google.gson.JsonNull.INSTANCE);
  }

  @Override
  public void close() {
    try {
      call("DELETE", "/session/" + session, null);
    } catch (IOException | RuntimeException e) {
      // The driver goes below whatever state the session is in.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Chromium's processes are the driver's children: none may outlive the test.
    driver.descendants().forEach(ProcessHandle::destroyForcibly);
    driver.destroy();
    try {
      if (!driver.waitFor(10, TimeUnit.SECONDS)) {
        driver.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      driver.destroyForcibly();
    }
  }
}
