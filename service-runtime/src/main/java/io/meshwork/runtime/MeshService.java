package io.meshwork.runtime;

import io.meshwork.runtime.auth.GuardedService;
import java.util.List;

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

  /** Whether the service can take calls now (readiness); for example, its store is reachable. */
  default boolean ready() {
    return true;
  }

  /** Releases stores, threads and channels. Called after the gRPC server has stopped. */
  @Override
  default void close() {}
}
