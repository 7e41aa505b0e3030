package io.meshwork.runtime.admin;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.service.registry.Services;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import java.util.function.BooleanSupplier;

/**
 * The admin port of a service: {@code /observe/health} (live and ready) and Prometheus metrics at
 * {@code /observe/metrics}.
 *
 * <p>It is a separate HTTP server so that probes and scrapes never queue behind gRPC calls.
 */
public final class AdminServer implements AutoCloseable {
  private final WebServer server;

  private AdminServer(WebServer server) {
    this.server = server;
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
    WebServer server =
        WebServer.builder()
            .host(host)
            .port(port)
            .shutdownHook(false)
            .featuresDiscoverServices(false)
            .addFeature(ObserveFeature.just(health, metrics))
            .build()
            .start();
    if (!server.isRunning()) {
      throw new IllegalStateException("cannot bind the admin port " + host + ":" + port);
    }
    return new AdminServer(server);
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.stop();
  }
}
