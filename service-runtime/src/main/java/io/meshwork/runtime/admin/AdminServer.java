package io.meshwork.runtime.admin;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.service.registry.Services;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;

/**
 * The admin port of a service: {@code /observe/health} (live and ready) and Prometheus metrics at
 * {@code /observe/metrics}; and, on a listener of its own, the service's {@link WebApp} if it has
 * one.
 *
 * <p>It is a separate HTTP server so that probes and scrapes never queue behind gRPC calls. The
 * admin port itself is plaintext, as probes and scrapers expect; the web application's listener
 * speaks TLS with the service's certificate whenever the service has one.
 */
public final class AdminServer implements AutoCloseable {
  /** The name of the web application's listener. */
  private static final String WEB_SOCKET = "web";

  private final WebServer server;

  private final boolean web;

  private AdminServer(WebServer server, boolean web) {
    this.server = server;
    this.web = web;
  }

  /**
   * Starts the admin server.
   *
   * @param host the address to bind
   * @param port the port, 0 for any free one
   * @param live whether the process works at all
   * @param ready whether the service can take calls
   */
  public static AdminServer start(
      String host, int port, BooleanSupplier live, BooleanSupplier ready) {
    return start(host, port, live, ready, Optional.empty(), Optional.empty());
  }

  /**
   * Starts the admin server with a web application beside it.
   *
   * @param app the web application, served on its own listener of the same server
   * @param tls the TLS of the application's listener; empty serves it in plaintext (a service
   *     without TLS, for debugging only)
   */
  public static AdminServer start(
      String host,
      int port,
      BooleanSupplier live,
      BooleanSupplier ready,
      Optional<WebApp> app,
      Optional<SSLContext> tls) {
    MeterRegistry registry = Services.get(MeterRegistry.class);
    HealthObserver health =
        HealthObserver.builder()
            .details(true)
            .useSystemServices(false)
            .addCheck(
                () -> HealthCheckResponse.builder().status(live.getAsBoolean()).build(),
                HealthCheckType.LIVENESS,
                "process")
            .addCheck(
                () -> HealthCheckResponse.builder().status(ready.getAsBoolean()).build(),
                HealthCheckType.READINESS,
                "service")
            .build();
    // Passing the registry explicitly keeps the observer from replacing the global one.
    MetricsObserver metrics = MetricsObserver.builder().meterRegistry(registry).build();
    var builder =
        WebServer.builder()
            .host(host)
            .port(port)
            .shutdownHook(false)
            .featuresDiscoverServices(false)
            .addFeature(ObserveFeature.just(health, metrics));
    app.ifPresent(
        a ->
            builder.putSocket(
                WEB_SOCKET,
                socket -> {
                  socket.host(host).port(a.port()).routing(r -> r.register(a.routes()));
                  tls.ifPresent(context -> socket.tls(t -> t.sslContext(context)));
                }));
    WebServer server = builder.build().start();
    if (!server.isRunning()) {
      throw new IllegalStateException("cannot bind the admin port " + host + ":" + port);
    }
    return new AdminServer(server, app.isPresent());
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** The web application's bound port, or -1 when there is none. */
  public int webPort() {
    return web ? server.port(WEB_SOCKET) : -1;
  }

  @Override
  public void close() {
    server.stop();
  }
}
