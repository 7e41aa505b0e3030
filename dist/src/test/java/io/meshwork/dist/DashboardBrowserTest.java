package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.cli.MeshCli;
import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.Identity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, must-show 1: the dashboard in a real headless Chromium, over HTTPS with the
 * orchestrator's certificate, on a mesh of separate processes. While a job of eight chunks runs on
 * two executors that take a second and a half a chunk, the page redraws its progress without a
 * reload, at least twice between none and all, then shows it completed; the operator's page shows
 * both executors; another user's page does not show the job. The JSON API answers under the same
 * rules. Screenshots go to {@code target/screenshots} (copied to docs/img for the README).
 */
class DashboardBrowserTest {
  private static final int CHUNKS = 8;
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dataDir;

  static MeshProcesses mesh;
  static HeadlessChromium browser;
  static HttpClient https;
  static int port;
  static Identity owner;
  static Identity other;
  static Identity operator;
  static Path ownerHome;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        HeadlessChromium.available(),
        "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    ownerHome = dataDir.resolve("owner-home");
    owner = Identity.loadOrCreate(ownerHome.resolve("identity.key"));
    other = Identity.generate();
    operator = Identity.generate();
    port = MeshFixtures.freePort();
    long started = System.nanoTime();
    mesh =
        new MeshProcesses(
            dataDir,
            // One slot each, a second and a half a chunk: the eight chunks settle two at a time.
            List.of("slow executor.task-slots=1", "slow executor.task-slots=1"),
            MeshProcesses.tolerantTimings(
                "dashboard.port",
                Integer.toString(port),
                "auth.operators",
                operator.did(),
                // No fallback executor of the orchestrator's own: the page shows the two.
                "orchestrator.local-slots",
                "0"));
    long meshUp = System.nanoTime();
    X509Certificate served = servedCertificate();
    browser = new HeadlessChromium(dataDir.resolve("browser"), spki(served));
    System.out.printf(
        "dashboard test: mesh up in %.1f s, browser in %.1f s%n",
        (meshUp - started) / 1e9, (System.nanoTime() - meshUp) / 1e9);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  /**
   * The dashboard's certificate, fetched over a TLS connection that trusts only the mesh's CA and
   * checks the host name, as any client of the mesh would; the browser is then told to accept
   * exactly that key.
   */
  private static X509Certificate servedCertificate() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (var in = java.nio.file.Files.newInputStream(mesh.caCertificate())) {
      trusted.setCertificateEntry(
          "mesh-ca",
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    https = HttpClient.newBuilder().sslContext(context).build();
    HttpResponse<String> openapi = get("/api/v1/openapi.json", null);
    assertEquals(200, openapi.statusCode());
    assertTrue(openapi.body().contains("\"openapi\": \"3.1.0\""), "the OpenAPI document");
    return (X509Certificate) openapi.sslSession().orElseThrow().getPeerCertificates()[0];
  }

  private static String spki(X509Certificate certificate) throws Exception {
    return Base64.getEncoder()
        .encodeToString(
            MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
  }

  private static HttpResponse<String> get(String path, Identity as) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20));
    if (as != null) {
      request.header("Authorization", "Bearer " + token(as));
    }
    return https.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String token(Identity who) {
    return BearerTokens.mint(
        who, BearerTokens.DASHBOARD_AUDIENCE, Instant.now(), Duration.ofSeconds(60));
  }

  /** The address {@code meshwork dashboard} prints for the owner, run as a user would run it. */
  private static String dashboardAddress() {
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = MeshCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    int exit =
        cli.execute(
            "--home",
            ownerHome.toString(),
            "--json",
            "dashboard",
            "--no-browser",
            "--url",
            "https://127.0.0.1:" + port + "/");
    assertEquals(0, exit, out.toString());
    return JsonParser.parseString(out.toString()).getAsJsonObject().get("url").getAsString();
  }

  private static void signIn(Identity who) throws Exception {
    browser.open("https://127.0.0.1:" + port + "/dashboard/#token=" + token(who));
    browser.await(
        "the signed-in page of " + who.did(),
        "const w = document.getElementById('who').textContent;"
            + " return w.includes('"
            + who.did()
            + "') && !document.getElementById('panels').hidden"
            + " && document.querySelector('#jobs tbody') !== null"
            + " && (document.querySelectorAll('#jobs tbody tr').length > 0"
            + " || !document.getElementById('jobs-empty').hidden);",
        Duration.ofSeconds(20));
  }

  private static final String JOB_ROWS =
      "return [...document.querySelectorAll('#jobs tbody tr[data-job]')].map(r => [r.dataset.job,"
          + " r.querySelector('.progress-count').textContent,"
          + " r.querySelector('.job-state').textContent]);";

  @Test
  void theOwnersPageFollowsTheJobLiveTheOperatorsShowsTheExecutorsAndNobodyElseSeesIt()
      throws Exception {
    try (MeshClient client = mesh.client(owner)) {
      String jobId = client.submit(SlowEcho.job(SlowEcho.lines(CHUNKS, 64)));

      // The owner opens the address `meshwork dashboard` gives; the page signs in by itself.
      browser.open(dashboardAddress());
      browser.await(
          "the owner's job",
          "return document.querySelector(\"tr[data-job='" + jobId + "']\") !== null;",
          Duration.ofSeconds(20));
      assertFalse(
          browser.script("return window.location.href;").getAsString().contains("token="),
          "the token leaves the address bar once spent");
      // A mark on the page's window: a reload would lose it.
      browser.script("window.meshworkMark = 'no reload'; return true;");

      Set<String> counts = new LinkedHashSet<>();
      boolean running = false;
      long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      String state = "";
      while (!state.equals("completed")) {
        assertTrue(System.nanoTime() < until, "the job did not complete on the page: " + counts);
        for (JsonElement row : browser.script(JOB_ROWS).getAsJsonArray()) {
          JsonArray r = row.getAsJsonArray();
          if (r.get(0).getAsString().equals(jobId)) {
            String count = r.get(1).getAsString();
            state = r.get(2).getAsString();
            if (counts.add(count)
                && !running
                && !count.startsWith("0/")
                && !state.equals("completed")) {
              running = true;
              browser.screenshot(SCREENSHOTS.resolve("dashboard-job-running.png"));
            }
          }
        }
        Thread.sleep(100);
      }
      assertEquals(
          "no reload",
          browser.script("return window.meshworkMark;").getAsString(),
          "the page redrew in place");
      List<String> between =
          counts.stream()
              .filter(c -> !c.startsWith("0/") && !c.equals(CHUNKS + "/" + CHUNKS))
              .toList();
      assertTrue(
          between.size() >= 2,
          "at least two progress counts between none and all were shown: " + counts);
      assertTrue(counts.contains(CHUNKS + "/" + CHUNKS), counts.toString());
      // The grid: every chunk done.
      browser.await(
          "every chunk done in the grid",
          "const c = [...document.querySelectorAll('#chunks .chunk')];"
              + " return c.length === "
              + CHUNKS
              + " && c.every(x => x.dataset.state === 'done');",
          Duration.ofSeconds(10));
      browser.screenshot(SCREENSHOTS.resolve("dashboard-job-completed.png"));
      JobResult result = client.result(jobId, Duration.ofSeconds(30));
      assertTrue(result.success(), result.error());

      // The operator sees both executors, with what they earned, and the job.
      signIn(operator);
      JsonElement executors =
          browser.await(
              "both executors",
              "const d = [...document.querySelectorAll('#executors tbody tr[data-executor]')]"
                  + ".map(r => r.dataset.executor);"
                  + " return d.includes('"
                  + mesh.executorDid(1)
                  + "') && d.includes('"
                  + mesh.executorDid(2)
                  + "') ? d : null;",
              Duration.ofSeconds(20));
      assertEquals(2, executors.getAsJsonArray().size(), executors.toString());
      assertTrue(browser.script(JOB_ROWS).toString().contains(jobId), "an operator sees every job");
      browser.screenshot(SCREENSHOTS.resolve("dashboard-operator.png"));

      // Another user: the page lists no job of the owner's, and shows no executors.
      signIn(other);
      String rows = browser.script(JOB_ROWS).toString();
      assertFalse(rows.contains(jobId), "another user's page lists the owner's job: " + rows);
      String page = browser.script("return document.body.innerText;").getAsString();
      assertFalse(page.contains(jobId), "another user's page shows the owner's job: " + page);
      assertTrue(
          browser.script("return document.getElementById('executors').hidden;").getAsBoolean());
      browser.screenshot(SCREENSHOTS.resolve("dashboard-other-user.png"));

      // The JSON API under the same rules, with a token per request.
      assertEquals(403, get("/api/v1/jobs/" + jobId, other).statusCode());
      assertTrue(get("/api/v1/jobs/" + jobId, other).body().contains("NOT_OWNER"));
      assertEquals(403, get("/api/v1/executors", other).statusCode());
      assertEquals(401, get("/api/v1/jobs", null).statusCode());
      JsonObject detail =
          JsonParser.parseString(get("/api/v1/jobs/" + jobId, owner).body()).getAsJsonObject();
      assertEquals("completed", detail.getAsJsonObject("job").get("state").getAsString());
      assertEquals(CHUNKS, detail.getAsJsonArray("chunks").size());
      JsonObject log = JsonParser.parseString(get("/api/v1/log", other).body()).getAsJsonObject();
      assertTrue(
          log.get("treeSize").getAsLong() >= CHUNKS, "every chunk's receipt anchored: " + log);
    }
  }
}
