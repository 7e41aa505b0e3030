package io.meshwork.runtime.admin;

import io.helidon.webserver.http.HttpService;

/**
 * An HTTP application a service serves from its admin server, on a listener of its own: the
 * orchestrator's dashboard and its JSON API.
 *
 * <p>It is not on the admin port itself because that port is plaintext for probes and Prometheus,
 * while an application that people sign in to must be served over TLS. The admin server serves it
 * with the service's own certificate whenever the service speaks TLS.
 *
 * @param port the port, 0 for any free one
 * @param routes the application's routes, registered at the root of its listener
 */
public record WebApp(int port, HttpService routes) {
  /** Checks the port. */
  public WebApp {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("a web application's port is from 0 to 65535: " + port);
    }
  }
}
