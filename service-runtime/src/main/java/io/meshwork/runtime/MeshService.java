package io.meshwork.runtime;

import io.meshwork.runtime.admin.WebApp;
import io.meshwork.runtime.auth.GuardedService;
import java.util.List;
import java.util.Optional;

/**
 * What a deployable plugs into {@link ServiceHost}: its gRPC services, built from a {@link
 * ServiceContext}, and what to release when it stops.
 */
public interface MeshService extends AutoCloseable {
  /**
   * The gRPC services to serve, each with the table of who may call its methods ({@code
   * SomeAccess.TABLE.guard(service)}).
   */
  List<GuardedService> grpcServices();

  /**
   * A web application to serve from the admin server on a listener of its own (the orchestrator's
   * dashboard), over TLS with the service's certificate when the service has one. Most services
   * have none.
   */
  default Optional<WebApp> webApp() {
    return Optional.empty();
  }

  /** Whether the service can take calls now (readiness); for example, its store is reachable. */
  default boolean ready() {
    return true;
  }

  /**
   * Finishes the service's work before it stops: called first when the host stops (a signal, or
   * {@link ServiceContext#requestStop()}), while the gRPC server still serves and the service's
   * channels are open, so that work in flight can end and report. Returns when done, or when the
   * service gives up waiting. Most services have nothing to finish.
   */
  default void drain() {}

  /** Releases stores, threads and channels. Called after the gRPC server has stopped. */
  @Override
  default void close() {}
}
