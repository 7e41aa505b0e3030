package io.meshwork.orchestrator.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.helidon.webserver.WebServer;
import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.Identity;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.runtime.auth.MeshRoles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's HTTP side that needs no mesh behind it: the sign-in and its limits, the session
 * cookie's attributes, the pages and their security headers, the OpenAPI document.
 */
class DashboardHttpTest {
  private final Identity user = Identity.generate();
  private final HttpClient http = HttpClient.newHttpClient();
  private WebServer server;
  private String base;

  @BeforeEach
  void start() {
    DashboardSessions sessions =
        new DashboardSessions(
            new TokenVerifier(Clock.systemUTC()),
            MeshRoles.none(),
            new DashboardOptions(0, Duration.ofMinutes(5), 100, 4, 50),
            Clock.systemUTC());
    // Served as over TLS, for the cookie's attributes; no view, as nothing here reads the mesh.
    DashboardHttp routes = new DashboardHttp(null, sessions, true);
    server =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .shutdownHook(false)
            .featuresDiscoverServices(false)
            .routing(r -> r.register(routes))
            .build()
            .start();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private String token() {
    return BearerTokens.mint(
        user, BearerTokens.DASHBOARD_AUDIENCE, Instant.now(), Duration.ofSeconds(60));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> signIn(String body, String site) throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(base + "/api/v1/session"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (site != null) {
      r.header("Sec-Fetch-Site", site);
    }
    return send(r);
  }

  private static String reason(HttpResponse<String> r) {
    return JsonParser.parseString(r.body())
        .getAsJsonObject()
        .getAsJsonObject("error")
        .get("reason")
        .getAsString();
  }

  @Test
  void aTokenBecomesAnHttpOnlySecureStrictSessionCookieThatSignOutEnds() throws Exception {
    HttpResponse<String> in = signIn("{\"token\":\"" + token() + "\"}", "same-origin");
    assertEquals(200, in.statusCode(), in.body());
    String cookie = in.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.startsWith("__Host-meshwork-session="), cookie);
    for (String attribute : new String[] {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"}) {
      assertTrue(cookie.contains(attribute), cookie);
    }
    String session = cookie.substring(0, cookie.indexOf(';'));

    HttpResponse<String> who =
        send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/session")).header("Cookie", session));
    assertEquals(200, who.statusCode());
    assertTrue(who.body().contains(user.did()));

    send(
        HttpRequest.newBuilder(URI.create(base + "/api/v1/session"))
            .header("Cookie", session)
            .DELETE());
    HttpResponse<String> after =
        send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/session")).header("Cookie", session));
    assertEquals(401, after.statusCode());
    assertEquals("UNAUTHENTICATED", reason(after));
  }

  @Test
  void aSignInFromAnotherSiteTooLargeOrWithoutATokenIsRefused() throws Exception {
    HttpResponse<String> crossSite = signIn("{\"token\":\"" + token() + "\"}", "cross-site");
    assertEquals(403, crossSite.statusCode());
    assertEquals("CROSS_SITE_SIGN_IN", reason(crossSite));

    HttpResponse<String> large = signIn("{\"token\":\"" + "x".repeat(10_000) + "\"}", null);
    assertEquals(400, large.statusCode());
    assertEquals("SIGN_IN_TOO_LARGE", reason(large));

    HttpResponse<String> malformed = signIn("token=abc", null);
    assertEquals(400, malformed.statusCode());
    assertEquals("SIGN_IN_MALFORMED", reason(malformed));

    HttpResponse<String> forged = signIn("{\"token\":\"a.b.c\"}", null);
    assertEquals(401, forged.statusCode());
    assertEquals("UNAUTHENTICATED", reason(forged));
  }

  @Test
  void theApiAsksForASessionOrAToken() throws Exception {
    HttpResponse<String> none = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs")));
    assertEquals(401, none.statusCode());
    assertTrue(none.headers().firstValue("Cache-Control").orElseThrow().contains("no-store"));
  }

  @Test
  void thePagesAndTheOpenApiDocumentAreServedWithTheirTypesAndAStrictPolicy() throws Exception {
    for (String page : DashboardHttp.pages()) {
      HttpResponse<String> r =
          send(HttpRequest.newBuilder(URI.create(base + "/dashboard/" + page)));
      assertEquals(200, r.statusCode(), page);
      assertTrue(
          r.headers()
              .firstValue("Content-Security-Policy")
              .orElseThrow()
              .contains("default-src 'self'"));
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
    }
    HttpResponse<String> index = send(HttpRequest.newBuilder(URI.create(base + "/dashboard/")));
    assertTrue(index.body().contains("type=\"module\""), "JavaScript modules");
    assertEquals(
        404,
        send(HttpRequest.newBuilder(URI.create(base + "/dashboard/secrets.txt"))).statusCode());
    HttpResponse<String> openapi =
        send(HttpRequest.newBuilder(URI.create(base + "/api/v1/openapi.json")));
    assertEquals(200, openapi.statusCode());
    var doc = JsonParser.parseString(openapi.body()).getAsJsonObject();
    assertEquals("3.1.0", doc.get("openapi").getAsString());
    for (String path :
        new String[] {"/api/v1/jobs", "/api/v1/jobs/{id}", "/api/v1/executors", "/api/v1/log"}) {
      assertTrue(doc.getAsJsonObject("paths").has(path), path);
    }
  }
}
