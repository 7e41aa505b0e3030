package io.meshwork.orchestrator.dashboard;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The dashboard's HTTP side: its pages (plain HTML, CSS and JavaScript modules from the jar), the
 * read-only JSON API under {@code /api/v1} with its OpenAPI document, and the sign-in that trades a
 * token for a session cookie.
 *
 * <p>A request is authenticated by its session cookie, or, for scripts, by an {@code Authorization:
 * Bearer} token addressed to the dashboard (docs/AUTH.md), spent on that one request. Failures map
 * to HTTP statuses in one place ({@link #fail}), with the gRPC API's reasons in the body.
 */
public final class DashboardHttp implements HttpService {
  private static final Logger LOG = Logger.getLogger(DashboardHttp.class.getName());
  private static final String WEB = "/io/meshwork/orchestrator/dashboard/web/";
  // The pages the jar holds, by the name they are served under, with their media types.
  private static final Map<String, String> PAGES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "dashboard.css", "text/css; charset=utf-8",
          "dashboard.js", "text/javascript; charset=utf-8",
          "views.js", "text/javascript; charset=utf-8",
          "api.js", "text/javascript; charset=utf-8");
  // A token is at most 8192 characters (docs/AUTH.md); its JSON wrapping adds little.
  private static final int MAX_SIGN_IN_BYTES = 9 * 1024;
  // Only this page's own scripts and styles: no inline script, no other origin, no framing.
  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
          + " form-action 'none'; frame-ancestors 'none'";

  private final DashboardView view;
  private final DashboardSessions sessions;
  private final boolean tls;
  private final String cookie;
  private final Gson gson = new GsonBuilder().serializeNulls().create();

  /**
   * Creates the dashboard's routes.
   *
   * @param tls whether it is served over TLS: then its cookie is {@code Secure} and bound to the
   *     host ({@code __Host-} prefix), and browsers are told to keep to HTTPS
   */
  public DashboardHttp(DashboardView view, DashboardSessions sessions, boolean tls) {
    this.view = view;
    this.sessions = sessions;
    this.tls = tls;
    this.cookie = tls ? "__Host-meshwork-session" : "meshwork-session";
  }

  @Override
  public void routing(HttpRules rules) {
    rules
        .get("/", (req, res) -> redirect(res, "/dashboard/"))
        .get("/dashboard", (req, res) -> redirect(res, "/dashboard/"))
        .get("/dashboard/", (req, res) -> page(res, "index.html"))
        .get("/dashboard/{file}", (req, res) -> page(res, req.path().pathParameters().get("file")))
        .get(
            "/api/v1/openapi.json", (req, res) -> resource(res, "openapi.json", "application/json"))
        .post("/api/v1/session", this::signIn)
        .get("/api/v1/session", (req, res) -> json(req, res, this::session))
        .delete("/api/v1/session", this::signOut)
        .get("/api/v1/jobs", (req, res) -> json(req, res, caller -> view.jobs(caller)))
        .get(
            "/api/v1/jobs/{id}",
            (req, res) ->
                json(req, res, caller -> view.job(req.path().pathParameters().get("id"), caller)))
        .get("/api/v1/executors", (req, res) -> json(req, res, caller -> view.executors(caller)))
        .get("/api/v1/log", (req, res) -> json(req, res, caller -> view.log()));
  }

  /** Who the session is, for the page's header. */
  private Map<String, Object> session(Caller caller) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("did", caller.did());
    out.put("operator", caller.is(Role.OPERATOR));
    out.put("roles", caller.roles().stream().map(Role::wireName).sorted().toList());
    return out;
  }

  private void signIn(ServerRequest req, ServerResponse res) {
    try {
      // A sign-in from another site's page would log the browser in as whoever minted the token.
      String site = req.headers().first(HeaderNames.create("Sec-Fetch-Site")).orElse("same-origin");
      if (!site.equals("same-origin") && !site.equals("none")) {
        throw MeshException.permissionDenied(
            "CROSS_SITE_SIGN_IN", "a dashboard sign-in must come from the dashboard's own page");
      }
      String token = token(read(req));
      DashboardSessions.Opened opened = sessions.open(token);
      res.headers()
          .addCookie(
              SetCookie.builder(cookie, opened.id())
                  .httpOnly(true)
                  .secure(tls)
                  .sameSite(SetCookie.SameSite.STRICT)
                  .path("/")
                  .maxAge(Duration.ofMillis(opened.expiresAt() - opened.openedAt()))
                  .build());
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("did", opened.did());
      out.put("expiresAt", opened.expiresAt());
      send(res, Status.OK_200, out);
    } catch (MeshException e) {
      fail(res, e);
    }
  }

  private void signOut(ServerRequest req, ServerResponse res) {
    sessionId(req).ifPresent(sessions::end);
    res.headers()
        .addCookie(
            SetCookie.builder(cookie, "")
                .httpOnly(true)
                .secure(tls)
                .sameSite(SetCookie.SameSite.STRICT)
                .path("/")
                .maxAge(Duration.ZERO)
                .build());
    res.status(Status.NO_CONTENT_204).send();
  }

  private static String read(ServerRequest req) {
    try (InputStream in = req.content().inputStream()) {
      byte[] body = in.readNBytes(MAX_SIGN_IN_BYTES + 1);
      if (body.length > MAX_SIGN_IN_BYTES) {
        throw MeshException.invalidArgument(
            "SIGN_IN_TOO_LARGE", "a sign-in is at most " + MAX_SIGN_IN_BYTES + " bytes");
      }
      return new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String token(String body) {
    try {
      JsonElement parsed = JsonParser.parseString(body);
      if (parsed.isJsonObject()) {
        JsonObject o = parsed.getAsJsonObject();
        if (o.has("token") && o.get("token").isJsonPrimitive()) {
          return o.get("token").getAsString();
        }
      }
    } catch (JsonParseException e) {
      // Answered below, as for any body without a token.
    }
    throw MeshException.invalidArgument(
        "SIGN_IN_MALFORMED", "a sign-in is a JSON object {\"token\": \"<token>\"}");
  }

  /** Authenticates the request, then answers with what {@code read} returns as JSON. */
  private void json(ServerRequest req, ServerResponse res, Function<Caller, Object> read) {
    try {
      Caller caller = authenticate(req);
      send(res, Status.OK_200, read.apply(caller));
    } catch (MeshException e) {
      fail(res, e);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "dashboard: " + req.path().path() + " failed", e);
      fail(res, new MeshException(MeshException.Kind.INTERNAL, "INTERNAL", "internal error", e));
    }
  }

  private Caller authenticate(ServerRequest req) {
    Optional<String> bearer =
        req.headers()
            .first(HeaderNames.AUTHORIZATION)
            .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(h -> h.substring(7).trim());
    if (bearer.isPresent()) {
      return sessions.once(bearer.get());
    }
    return sessionId(req)
        .flatMap(sessions::caller)
        .orElseThrow(
            () ->
                new MeshException(
                        MeshException.Kind.UNAUTHENTICATED,
                        "UNAUTHENTICATED",
                        "no dashboard session: sign in with a token from 'meshwork dashboard'")
                    .with("check", "missing"));
  }

  private Optional<String> sessionId(ServerRequest req) {
    return req.headers().cookies().first(cookie).asOptional();
  }

  private void page(ServerResponse res, String name) {
    String type = PAGES.get(name);
    if (type == null) {
      fail(res, MeshException.notFound("NO_SUCH_PAGE", "the dashboard has no page " + name));
      return;
    }
    resource(res, name, type);
  }

  private void resource(ServerResponse res, String name, String type) {
    byte[] bytes;
    try (InputStream in = DashboardHttp.class.getResourceAsStream(WEB + name)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks the dashboard's " + name);
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    secure(res);
    res.header(HeaderNames.CONTENT_TYPE, type);
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    res.send(bytes);
  }

  private void redirect(ServerResponse res, String to) {
    secure(res);
    res.status(Status.FOUND_302).header(HeaderNames.LOCATION, to).send();
  }

  private void send(ServerResponse res, Status status, Object body) {
    secure(res);
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(gson.toJson(body).getBytes(StandardCharsets.UTF_8));
  }

  private void secure(ServerResponse res) {
    res.header(HeaderNames.create("Content-Security-Policy"), CONTENT_SECURITY_POLICY);
    res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
    res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
    if (tls) {
      res.header(HeaderNames.STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
  }

  /** The one place a failure becomes an HTTP answer: a status, and the gRPC API's reason. */
  private void fail(ServerResponse res, MeshException e) {
    Status status =
        switch (e.kind()) {
          case INVALID_ARGUMENT -> Status.BAD_REQUEST_400;
          case UNAUTHENTICATED -> Status.UNAUTHORIZED_401;
          case PERMISSION_DENIED -> Status.FORBIDDEN_403;
          case NOT_FOUND -> Status.NOT_FOUND_404;
          case FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED -> Status.CONFLICT_409;
          case RESOURCE_EXHAUSTED -> Status.TOO_MANY_REQUESTS_429;
          case UNAVAILABLE -> Status.SERVICE_UNAVAILABLE_503;
          case DEADLINE_EXCEEDED -> Status.GATEWAY_TIMEOUT_504;
          case INTERNAL -> Status.INTERNAL_SERVER_ERROR_500;
        };
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", e.kind().name());
    error.put("reason", e.reason());
    error.put("message", e.getMessage());
    error.put("metadata", e.metadata());
    send(res, status, Map.of("error", error));
  }

  /** The media types of the pages, for tests that check every page is in the jar. */
  static List<String> pages() {
    return List.copyOf(PAGES.keySet());
  }
}
