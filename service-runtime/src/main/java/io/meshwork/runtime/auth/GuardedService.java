package io.meshwork.runtime.auth;

import io.grpc.BindableService;

/**
 * A gRPC service with the table of who may call its methods: the only form in which {@code
 * MeshServer} takes a service, so no service can be served without one.
 *
 * @param service the service
 * @param access its table
 */
public record GuardedService(BindableService service, AccessTable access) {
  /** Checks that the table is the service's. */
  public GuardedService {
    String name = service.bindService().getServiceDescriptor().getName();
    if (!name.equals(access.serviceName())) {
      throw new IllegalArgumentException(
          "the access table of " + access.serviceName() + " cannot guard " + name);
    }
  }
}
