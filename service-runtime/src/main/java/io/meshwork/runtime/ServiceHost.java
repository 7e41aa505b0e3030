package io.meshwork.runtime;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.runtime.admin.AdminServer;
import io.meshwork.runtime.admin.HelidonServiceMetrics;
import io.meshwork.runtime.auth.AuthInterceptor;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.config.HelidonSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.grpc.CallMetricsInterceptor;
import io.meshwork.runtime.grpc.MeshChannels;
import io.meshwork.runtime.grpc.MeshServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Runs one Meshwork service: loads its settings and identity, builds it, and serves it over gRPC
 * with the admin port beside it until it is stopped.
 *
 * <p>Every deployable's {@code main} is one call to {@link #main}; the development mesh and the
 * tests call {@link #start} with the same wiring, so what is tested is what is shipped.
 *
 * <p>Settings every service reads: {@code grpc.host} (127.0.0.1), {@code grpc.port}, {@code
 * grpc.max-message-bytes}, {@code admin.host}, {@code admin.port} (-1 disables it), {@code
 * data-dir}, {@code identity.file}, {@code auth.service-dids}, {@code auth.operator-dids}, {@code
 * shutdown.grace}, {@code mesh.dev-mode}.
 */
public final class ServiceHost implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ServiceHost.class.getName());

  private final ServiceContext context;
  private final MeshService service;
  private final MeshServer server;
  private final AdminServer admin;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private ServiceHost(
      ServiceContext context, MeshService service, MeshServer server, AdminServer admin) {
    this.context = context;
    this.service = service;
    this.server = server;
    this.admin = admin;
  }

  /**
   * The {@code main} of a deployable: {@code [--config FILE] [--set key=value ...]}, then serve
   * until the process is told to stop.
   */
  public static void main(
      String serviceName, String[] args, Function<ServiceContext, MeshService> factory) {
    Optional<Path> config = Optional.empty();
    Map<String, String> overrides = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> config = Optional.of(Path.of(requireValue(args, ++i, "--config")));
        case "--set" -> {
          String kv = requireValue(args, ++i, "--set");
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            fail("--set takes key=value, got '" + kv + "'");
          }
          overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        default ->
            fail("unknown argument '" + args[i] + "'; expected --config FILE or --set key=value");
      }
    }
    Settings settings = new MapSettings(overrides, HelidonSettings.load(config, System.getenv()));
    ServiceHost host = start(serviceName, settings, factory);
    Runtime.getRuntime().addShutdownHook(new Thread(host::close, serviceName + "-shutdown"));
    System.out.printf(
        "meshwork %s: gRPC on %s:%d, admin on %d, identity %s%n",
        serviceName,
        settings.string("grpc.host", "127.0.0.1"),
        host.grpcPort(),
        host.adminPort(),
        host.context().identity().did());
    host.awaitStop();
  }

  private static String requireValue(String[] args, int i, String flag) {
    if (i >= args.length) {
      fail(flag + " needs a value");
    }
    return args[i];
  }

  private static void fail(String message) {
    System.err.println("meshwork: " + message);
    System.exit(2);
  }

  /** Starts {@code serviceName} on Netty with its admin port, as configured by {@code settings}. */
  public static ServiceHost start(
      String serviceName, Settings settings, Function<ServiceContext, MeshService> factory) {
    int maxMessage = settings.integer("grpc.max-message-bytes", 64 * 1024 * 1024);
    ServerBuilder<?> builder =
        MeshChannels.serverOn(
            settings.string("grpc.host", "127.0.0.1"), settings.integer("grpc.port", 0));
    return start(
        serviceName,
        settings,
        factory,
        builder,
        target -> MeshChannels.open(target, maxMessage),
        new HelidonServiceMetrics(serviceName),
        Clock.systemUTC());
  }

  /**
   * Starts {@code serviceName} on the given server builder (tests pass an in-process one) with the
   * given channel factory, metrics and clock.
   */
  public static ServiceHost start(
      String serviceName,
      Settings settings,
      Function<ServiceContext, MeshService> factory,
      ServerBuilder<?> serverBuilder,
      Function<String, ManagedChannel> channelFactory,
      ServiceMetrics metrics,
      Clock clock) {
    Path dataDir = settings.path("data-dir", Path.of(".meshwork-data"));
    Path identityFile = settings.path("identity.file", dataDir.resolve(serviceName + ".key"));
    Identity identity;
    try {
      identity = Identity.loadOrCreate(identityFile);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "cannot read or create the identity file " + identityFile, e);
    }
    List<String> services = new ArrayList<>(settings.list("auth.service-dids"));
    services.add(identity.did());
    MeshRoles roles = new MeshRoles(services, settings.list("auth.operator-dids"));
    ServiceContext context =
        new ServiceContext(serviceName, settings, identity, roles, metrics, clock, channelFactory);
    MeshService service;
    try {
      service = factory.apply(context);
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
    MeshServer.Builder sb =
        MeshServer.builder(serverBuilder)
            .maxMessageBytes(context.maxMessageBytes())
            .shutdownGrace(settings.duration("shutdown.grace", Duration.ofSeconds(10)))
            .intercept(new CallMetricsInterceptor(metrics))
            .intercept(
                new AuthInterceptor(new TokenVerifier(BearerCredentials.AUDIENCE, clock), roles));
    for (BindableService s : service.grpcServices()) {
      sb.addService(s);
    }
    MeshServer server = sb.build().start();
    context.boundTo(server.port());
    AdminServer admin = null;
    int adminPort = settings.integer("admin.port", -1);
    if (adminPort >= 0) {
      admin =
          AdminServer.start(
              settings.string("admin.host", settings.string("grpc.host", "127.0.0.1")),
              adminPort,
              () -> true,
              service::ready);
    }
    LOG.fine(() -> serviceName + " started as " + identity.did());
    return new ServiceHost(context, service, server, admin);
  }

  /** The gRPC port. */
  public int grpcPort() {
    return server.port();
  }

  /** The admin port, or -1 when there is none. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  /** The service's context (identity, settings, metrics). */
  public ServiceContext context() {
    return context;
  }

  /** The running service. */
  public MeshService service() {
    return service;
  }

  /** Blocks until {@link #close()} has run. */
  public void awaitStop() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops gracefully: the gRPC server finishes in-flight calls (within the grace period), then the
   * service releases its resources, then the admin port closes.
   */
  @Override
  public synchronized void close() {
    if (stopped.getCount() == 0) {
      return;
    }
    server.stop();
    try {
      service.close();
    } finally {
      context.close();
      if (admin != null) {
        admin.close();
      }
      stopped.countDown();
    }
  }
}
