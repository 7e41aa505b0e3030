package io.meshwork.orchestrator.membership;

import io.meshwork.runtime.errors.MeshException;

/** Checks of the {@code host:port} endpoints members name. */
final class Endpoints {
  private Endpoints() {}

  /**
   * The host of {@code endpoint} ({@code host:port} or {@code [v6]:port}).
   *
   * @throws MeshException INVALID_ARGUMENT when it is not host:port with a port 1 to 65535
   */
  static String host(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    String host = colon <= 0 ? "" : endpoint.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(endpoint.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.isEmpty() || port < 1 || port > 65_535 || endpoint.length() > 300) {
      throw MeshException.invalidArgument(
              "ENDPOINT_INVALID",
              "endpoint must be host:port where the orchestrator can call the executor, got '"
                  + endpoint
                  + "'")
          .with("field", "endpoint");
    }
    if (host.equals("0.0.0.0") || host.equals("::")) {
      throw MeshException.invalidArgument(
              "ENDPOINT_INVALID",
              "endpoint " + endpoint + " is a wildcard address; name one the orchestrator can call")
          .with("field", "endpoint");
    }
    return host;
  }
}
