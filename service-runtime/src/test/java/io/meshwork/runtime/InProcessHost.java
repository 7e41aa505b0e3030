package io.meshwork.runtime;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsSchema;
import java.time.Clock;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * Starts a service exactly as {@link ServiceHost} does in production (settings checked against its
 * schema, identity, interceptors, admin port as configured), but on the in-process transport: the
 * way every module's tests run the production wiring.
 */
public final class InProcessHost {
  // The in-process name each host serves under, for channel().
  private static final Map<ServiceHost, String> NAMES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private InProcessHost() {}

  /** Starts {@code factory}'s service under {@code schema} and {@code settings}. */
  public static ServiceHost start(
      String serviceName,
      SettingsSchema schema,
      Settings settings,
      Function<ServiceContext, MeshService> factory) {
    String name = InProcessServerBuilder.generateName();
    ServiceHost host =
        ServiceHost.start(
            serviceName,
            schema,
            settings,
            factory,
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    NAMES.put(host, name);
    return host;
  }

  /** A new channel to {@code host}, which {@link #start} started; the caller shuts it down. */
  public static ManagedChannel channel(ServiceHost host) {
    String name = NAMES.get(host);
    if (name == null) {
      throw new IllegalArgumentException("the host was not started by InProcessHost.start");
    }
    return InProcessChannelBuilder.forName(name).build();
  }
}
