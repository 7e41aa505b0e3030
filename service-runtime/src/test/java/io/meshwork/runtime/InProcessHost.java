package io.meshwork.runtime;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsSchema;
import java.time.Clock;
import java.util.function.Function;

/**
 * Starts a service exactly as {@link ServiceHost} does in production (settings checked against its
 * schema, identity, interceptors, admin port as configured), but on the in-process transport: the
 * way every module's tests run the production wiring.
 */
public final class InProcessHost {
  private InProcessHost() {}

  /** Starts {@code factory}'s service under {@code schema} and {@code settings}. */
  public static ServiceHost start(
      String serviceName,
      SettingsSchema schema,
      Settings settings,
      Function<ServiceContext, MeshService> factory) {
    return ServiceHost.start(
        serviceName,
        schema,
        settings,
        factory,
        InProcessServerBuilder.forName(InProcessServerBuilder.generateName()),
        target -> InProcessChannelBuilder.forName(target).build(),
        ServiceMetrics.none(),
        Clock.systemUTC());
  }
}
