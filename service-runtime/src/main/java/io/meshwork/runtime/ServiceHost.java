package io.meshwork.runtime;

import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshwork.identity.Identity;
import io.meshwork.identity.ReplayLimits;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.runtime.admin.AdminServer;
import io.meshwork.runtime.admin.HelidonServiceMetrics;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.config.HelidonSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import io.meshwork.runtime.grpc.CallMetricsInterceptor;
import io.meshwork.runtime.grpc.MeshChannels;
import io.meshwork.runtime.grpc.MeshServer;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.ServiceTls;
import io.meshwork.runtime.tls.TlsOptions;
import io.meshwork.runtime.tracing.TraceLogFormatter;
import io.meshwork.runtime.tracing.Tracing;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.LinkedHashMap;
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
 * <p>Every gRPC port speaks TLS ({@link ServiceTls}): with the certificate of {@code tls.cert}, or
 * one the development CA issues at start. Calls to other services present the service's certificate
 * (mutual TLS) instead of a bearer token. {@code tls.plaintext} turns TLS off, for debugging only.
 *
 * <p>Before anything else, the settings are checked against the service's {@link SettingsSchema}:
 * {@link SharedSettings} (read here and by {@link ServiceContext}) plus the service's own keys. A
 * key the service does not declare, a value of the wrong type or out of range, or a required key
 * left unset stops the service before it binds a port.
 *
 * <p>Tracing ({@link Tracing}) is off unless the process's {@code OTEL_*} variables ask for an
 * exporter; on, every call served and every call made to another service carries W3C trace context,
 * and log lines written inside a traced call name the trace.
 */
public final class ServiceHost implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ServiceHost.class.getName());

  private final ServiceContext context;
  private final MeshService service;
  private final MeshServer server;
  private final AdminServer admin;
  private final Tracing tracing;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private ServiceHost(
      ServiceContext context,
      MeshService service,
      MeshServer server,
      AdminServer admin,
      Tracing tracing) {
    this.context = context;
    this.service = service;
    this.server = server;
    this.admin = admin;
    this.tracing = tracing;
  }

  /**
   * The {@code main} of a deployable: {@code [--config FILE] [--set key=value ...]}, then serve
   * until the process is told to stop. Settings the service cannot start with end the process with
   * a one-line message on stderr and exit status 2.
   */
  public static void main(
      String serviceName,
      SettingsSchema schema,
      String[] args,
      Function<ServiceContext, MeshService> factory) {
    serve(serviceName, schema, args, settings -> new Launch(settings, factory));
  }

  /**
   * What a deployable does between reading its settings and serving: it may do work first (an
   * executor joins its orchestrator and is issued its certificate) and serve with other settings
   * and a factory that knows the outcome.
   */
  @FunctionalInterface
  public interface Preparation {
    /**
     * Prepares the launch.
     *
     * @throws SettingsException when the settings do not allow it
     * @throws StartRefusedException when something outside the settings refuses it
     */
    Launch prepare(Settings settings);
  }

  /**
   * The settings to serve with and the factory of the service.
   *
   * @param settings checked against the service's schema before the service starts
   * @param factory builds the service from its context
   */
  public record Launch(Settings settings, Function<ServiceContext, MeshService> factory) {}

  /**
   * The {@code main} of a deployable that prepares before it serves ({@link Preparation}): as
   * {@link #main}, and a preparation refused ({@link StartRefusedException}) ends the process with
   * its one-line message on stderr and exit status 2, like a setting that is not allowed.
   */
  public static void serve(
      String serviceName, SettingsSchema schema, String[] args, Preparation preparation) {
    Optional<Path> config = Optional.empty();
    Map<String, String> overrides = new LinkedHashMap<>();
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
    Settings settings;
    ServiceHost host;
    try {
      // The schema is checked before the preparation too: it must not act on a mistyped key.
      Settings given =
          new MapSettings("--set", overrides, HelidonSettings.load(config, System.getenv()));
      check(schema, given);
      Launch launch = preparation.prepare(given);
      settings = launch.settings();
      host = start(serviceName, schema, settings, launch.factory());
    } catch (SettingsException | StartRefusedException e) {
      fail(serviceName + ": " + e.getMessage());
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(host::close, serviceName + "-shutdown"));
    TlsOptions tls = tlsOptions(settings);
    System.out.printf(
        "meshwork %s: gRPC (%s) on %s:%d, admin on %d, identity %s%n",
        serviceName,
        tls.plaintext()
            ? "PLAINTEXT, INSECURE"
            : tls.fromDevelopmentCa()
                ? "TLS, development CA "
                    + tls.developmentCa()
                        .resolve(CertificateAuthority.CERTIFICATE_FILE)
                        .toAbsolutePath()
                : "TLS",
        settings.get(SharedSettings.GRPC_HOST),
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

  /**
   * Starts {@code serviceName} on Netty with its admin port, as configured by {@code settings}.
   *
   * @param schema every key the service reads, {@link SharedSettings#ALL} included
   * @throws SettingsException if the settings hold a key the schema does not declare, or a value it
   *     does not allow
   */
  public static ServiceHost start(
      String serviceName,
      SettingsSchema schema,
      Settings settings,
      Function<ServiceContext, MeshService> factory) {
    check(schema, settings);
    Identity identity = loadIdentity(serviceName, settings);
    TlsOptions tls = tlsOptions(settings);
    int maxMessage = settings.get(SharedSettings.GRPC_MAX_MESSAGE_BYTES);
    String host = settings.get(SharedSettings.GRPC_HOST);
    NettyServerBuilder builder =
        MeshChannels.serverOn(host, settings.get(SharedSettings.GRPC_PORT));
    Function<String, ManagedChannel> channels;
    boolean mutualTls;
    Optional<javax.net.ssl.SSLContext> https = Optional.empty();
    if (tls.plaintext()) {
      LOG.warning(
          serviceName
              + ": tls.plaintext is on. INSECURE: its gRPC traffic is not encrypted, anyone on"
              + " the path reads tokens and payloads, and no service is authenticated by"
              + " certificate. For debugging only.");
      channels = target -> MeshChannels.openPlaintext(target, maxMessage);
      mutualTls = false;
    } else {
      ServiceTls serviceTls = ServiceTls.of(tls, identity, serviceName, hostNames(settings));
      builder.sslContext(serviceTls.serverContext());
      channels = target -> MeshChannels.open(target, maxMessage, serviceTls.clientContext());
      mutualTls = true;
      https = Optional.of(serviceTls.httpsContext());
      if (tls.fromDevelopmentCa()) {
        LOG.info(
            () ->
                serviceName
                    + ": TLS with a certificate from the development CA in "
                    + tls.developmentCa().toAbsolutePath()
                    + " (clients trust its "
                    + CertificateAuthority.CERTIFICATE_FILE
                    + ")");
      }
    }
    int healthPort = settings.get(SharedSettings.GRPC_HEALTH_PORT);
    return launch(
        serviceName,
        schema,
        settings,
        identity,
        factory,
        builder,
        healthPort < 0 ? null : MeshChannels.serverOn(host, healthPort),
        channels,
        mutualTls,
        https,
        new HelidonServiceMetrics(serviceName),
        Clock.systemUTC());
  }

  /**
   * The names other hosts reach this service by, for a development certificate: the bound host
   * unless it is a wildcard, and the advertised one.
   */
  private static List<String> hostNames(Settings settings) {
    List<String> names = new java.util.ArrayList<>();
    String bound = settings.get(SharedSettings.GRPC_HOST);
    if (!bound.equals("0.0.0.0") && !bound.equals("::") && !bound.isEmpty()) {
      names.add(bound);
    }
    settings
        .get(SharedSettings.GRPC_ADVERTISE)
        .ifPresent(
            a -> {
              int colon = a.lastIndexOf(':');
              names.add(colon > 0 ? a.substring(0, colon).replace("[", "").replace("]", "") : a);
            });
    return names;
  }

  private static TlsOptions tlsOptions(Settings settings) {
    return new TlsOptions(
        settings.get(SharedSettings.TLS_PLAINTEXT),
        settings.get(SharedSettings.TLS_CERT),
        settings.get(SharedSettings.TLS_KEY),
        settings.get(SharedSettings.TLS_CA),
        settings
            .get(SharedSettings.TLS_DEV_CA)
            .orElseGet(() -> settings.get(SharedSettings.DATA_DIR).resolve("tls")));
  }

  /**
   * Starts {@code serviceName} on the given server builder (tests pass an in-process one) with the
   * given channel factory, metrics and clock.
   *
   * @param schema every key the service reads, {@link SharedSettings#ALL} included
   * @throws SettingsException if the settings hold a key the schema does not declare, or a value it
   *     does not allow
   */
  public static ServiceHost start(
      String serviceName,
      SettingsSchema schema,
      Settings settings,
      Function<ServiceContext, MeshService> factory,
      ServerBuilder<?> serverBuilder,
      Function<String, ManagedChannel> channelFactory,
      ServiceMetrics metrics,
      Clock clock) {
    check(schema, settings);
    return launch(
        serviceName,
        schema,
        settings,
        loadIdentity(serviceName, settings),
        factory,
        serverBuilder,
        null,
        channelFactory,
        false,
        Optional.empty(),
        metrics,
        clock);
  }

  private static void check(SettingsSchema schema, Settings settings) {
    for (Setting<?> shared : SharedSettings.ALL) {
      if (!schema.declares(shared.key())) {
        // A programming error, not a configuration one: the schema was built without them.
        throw new IllegalArgumentException(
            "the settings schema of "
                + schema.service()
                + " lacks the shared key "
                + shared.key()
                + "; build it from SharedSettings.ALL and the service's own keys");
      }
    }
    schema.check(settings);
    replayLimits(
        settings, SharedSettings.AUTH_REPLAY_USER_CAPACITY, SharedSettings.AUTH_REPLAY_USER_QUOTA);
    replayLimits(
        settings,
        SharedSettings.AUTH_REPLAY_PARTY_CAPACITY,
        SharedSettings.AUTH_REPLAY_PARTY_QUOTA);
  }

  private static ReplayLimits replayLimits(
      Settings settings, Setting<Integer> capacity, Setting<Integer> quota) {
    int total = settings.get(capacity);
    int each = settings.get(quota);
    if (each > total) {
      throw new SettingsException(
          "setting '"
              + quota.key()
              + "' is "
              + each
              + ", more than "
              + capacity.key()
              + " ("
              + total
              + "); one caller cannot have more live tokens than all callers together");
    }
    return new ReplayLimits(total, each);
  }

  /**
   * Who has which role here: the role lists {@code schema} declares (a service declares those its
   * access table names), from {@code settings}.
   */
  private static MeshRoles roles(SettingsSchema schema, Settings settings) {
    Map<Role, List<String>> configured = new EnumMap<>(Role.class);
    SharedSettings.ROLE_LISTS.forEach(
        (role, list) -> {
          if (schema.declares(list.key())) {
            configured.put(role, settings.get(list));
          }
        });
    return new MeshRoles(configured);
  }

  /**
   * The file of the identity of {@code serviceName}: {@code identity.file}, else {@code
   * data-dir/SERVICE.key}. A preparation that needs the identity before the host loads it reads the
   * same file.
   */
  public static Path identityFile(String serviceName, Settings settings) {
    return settings
        .get(SharedSettings.IDENTITY_FILE)
        .orElseGet(() -> settings.get(SharedSettings.DATA_DIR).resolve(serviceName + ".key"));
  }

  /** Loads the identity of {@code serviceName}, creating it on first start. */
  public static Identity loadIdentity(String serviceName, Settings settings) {
    Path identityFile = identityFile(serviceName, settings);
    try {
      return Identity.loadOrCreate(identityFile);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "cannot read or create the identity file " + identityFile, e);
    }
  }

  /**
   * Builds the service and serves it.
   *
   * @param healthOnlyBuilder the plaintext health port's builder, or null for none
   * @param mutualTls whether {@code channelFactory}'s channels present this service's certificate,
   *     so that its calls need no bearer token
   * @param https the TLS of the service's web application, empty for a service without TLS
   */
  private static ServiceHost launch(
      String serviceName,
      SettingsSchema schema,
      Settings settings,
      Identity identity,
      Function<ServiceContext, MeshService> factory,
      ServerBuilder<?> serverBuilder,
      ServerBuilder<?> healthOnlyBuilder,
      Function<String, ManagedChannel> channelFactory,
      boolean mutualTls,
      Optional<javax.net.ssl.SSLContext> https,
      ServiceMetrics metrics,
      Clock clock) {
    MeshRoles roles = roles(schema, settings);
    // Read from the process's environment, as every OpenTelemetry SDK reads it; off by default.
    Tracing tracing = Tracing.fromEnvironment(serviceName, identity.did(), System.getenv());
    if (tracing.enabled()) {
      TraceLogFormatter.install();
    }
    ServiceContext context =
        new ServiceContext(
            serviceName,
            settings,
            identity,
            roles,
            metrics,
            clock,
            tracing.tracedChannels(channelFactory),
            mutualTls);
    ProcessGauges.publish(metrics);
    MeshService service;
    try {
      service = factory.apply(context);
    } catch (RuntimeException e) {
      context.close();
      tracing.close();
      throw e;
    }
    TokenVerifier verifier =
        new TokenVerifier(
            clock,
            replayLimits(
                settings,
                SharedSettings.AUTH_REPLAY_USER_CAPACITY,
                SharedSettings.AUTH_REPLAY_USER_QUOTA),
            replayLimits(
                settings,
                SharedSettings.AUTH_REPLAY_PARTY_CAPACITY,
                SharedSettings.AUTH_REPLAY_PARTY_QUOTA),
            roles::isParty);
    MeshServer.Builder sb =
        MeshServer.builder(serverBuilder)
            .maxMessageBytes(context.maxMessageBytes())
            .shutdownGrace(settings.get(SharedSettings.SHUTDOWN_GRACE));
    if (tracing.enabled()) {
      // First, so that the call's span covers the others, refusals included.
      sb.intercept(tracing.serverInterceptor());
    }
    sb.intercept(new CallMetricsInterceptor(metrics)).authenticate(verifier, roles);
    if (healthOnlyBuilder != null) {
      sb.healthOnlyOn(healthOnlyBuilder);
    }
    for (GuardedService s : service.grpcServices()) {
      // The process is, at its own services, in the role of what it serves.
      s.access().servedBy().ifPresent(role -> roles.addSelf(identity.did(), role));
      sb.addService(s);
    }
    MeshServer server = sb.build().start();
    context.boundTo(server.port());
    context.healthTo(server::setStatus);
    AdminServer admin = null;
    int adminPort = settings.get(SharedSettings.ADMIN_PORT);
    if (adminPort >= 0) {
      admin =
          AdminServer.start(
              settings.get(SharedSettings.ADMIN_HOST),
              adminPort,
              () -> true,
              service::ready,
              service.webApp(),
              https);
    } else if (service.webApp().isPresent()) {
      LOG.warning(
          serviceName + ": admin.port is -1, so its web application (the dashboard) is not served");
    }
    LOG.fine(() -> serviceName + " started as " + identity.did());
    ServiceHost started = new ServiceHost(context, service, server, admin, tracing);
    // On its own thread: the service asks from one of its own (a heartbeat's answer), which the
    // stop must not wait for.
    context.stopWith(() -> Thread.ofPlatform().name(serviceName + "-stop").start(started::close));
    return started;
  }

  /** The gRPC port. */
  public int grpcPort() {
    return server.port();
  }

  /** The plaintext health-only port ({@code grpc.health-port}), or -1 when there is none. */
  public int healthPort() {
    return server.healthPort();
  }

  /** The admin port, or -1 when there is none. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  /** The port of the service's web application (the dashboard), or -1 when there is none. */
  public int webPort() {
    return admin == null ? -1 : admin.webPort();
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
   * Stops gracefully: the service drains ({@link MeshService#drain()}) while the gRPC server still
   * serves, then the server finishes in-flight calls (within the grace period), then the service
   * releases its resources, then the admin port closes.
   */
  @Override
  public synchronized void close() {
    if (stopped.getCount() == 0) {
      return;
    }
    try {
      service.drain();
    } catch (RuntimeException e) {
      // A drain that fails still lets the service stop.
      LOG.log(java.util.logging.Level.WARNING, context.serviceName() + ": draining failed", e);
    }
    server.stop();
    try {
      service.close();
    } finally {
      context.close();
      if (admin != null) {
        admin.close();
      }
      // Last: the spans of the calls that finished while stopping go out too.
      tracing.close();
      stopped.countDown();
    }
  }
}
