package io.meshwork.runtime;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.grpc.MeshChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Everything a service's wiring needs from its surroundings: settings, its own identity, the mesh's
 * roles, metrics, a clock, and authenticated channels to the other services (mutual TLS, or bearer
 * tokens where there is no TLS).
 */
public final class ServiceContext implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ServiceContext.class.getName());

  private final String serviceName;
  private final Settings settings;
  private final Identity identity;
  private final MeshRoles roles;
  private final ServiceMetrics metrics;
  private final Clock clock;
  private final Function<String, ManagedChannel> channelFactory;
  private final boolean mutualTls;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  // Health reported under names of the service's own, kept until the server that answers for
  // them has started.
  private final Map<String, Boolean> namedHealth = new LinkedHashMap<>();
  private BiConsumer<String, Boolean> healthSink;
  private volatile int boundPort = -1;
  private volatile Runnable stop;

  /**
   * Creates a context whose channels do not authenticate the service, so that its calls carry
   * bearer tokens (in-process tests, {@code tls.plaintext}).
   *
   * @param channelFactory opens a channel to a target; production uses Netty, tests in-process
   */
  public ServiceContext(
      String serviceName,
      Settings settings,
      Identity identity,
      MeshRoles roles,
      ServiceMetrics metrics,
      Clock clock,
      Function<String, ManagedChannel> channelFactory) {
    this(serviceName, settings, identity, roles, metrics, clock, channelFactory, false);
  }

  /**
   * Creates a context.
   *
   * @param channelFactory opens a channel to a target; production uses Netty, tests in-process
   * @param mutualTls whether the factory's channels present this service's certificate (mutual
   *     TLS), which names the service to the callee without a token
   */
  public ServiceContext(
      String serviceName,
      Settings settings,
      Identity identity,
      MeshRoles roles,
      ServiceMetrics metrics,
      Clock clock,
      Function<String, ManagedChannel> channelFactory,
      boolean mutualTls) {
    this.mutualTls = mutualTls;
    this.serviceName = serviceName;
    this.settings = settings;
    this.identity = identity;
    this.roles = roles;
    this.metrics = metrics;
    this.clock = clock;
    this.channelFactory = channelFactory;
  }

  /** The service's name ("ledger", "orchestrator", ...). */
  public String serviceName() {
    return serviceName;
  }

  /** The service's configuration. */
  public Settings settings() {
    return settings;
  }

  /** The service's own key pair; it signs outgoing calls and whatever the service signs. */
  public Identity identity() {
    return identity;
  }

  /** Which DIDs are services and operators. */
  public MeshRoles roles() {
    return roles;
  }

  /** The service's metrics. */
  public ServiceMetrics metrics() {
    return metrics;
  }

  /** The clock every time-dependent decision reads. */
  public Clock clock() {
    return clock;
  }

  /** Whether the mesh runs in development mode (grants for new identities, relaxed checks). */
  public boolean devMode() {
    return settings.get(SharedSettings.MESH_DEV_MODE);
  }

  /** Largest gRPC message the service sends or accepts. */
  public int maxMessageBytes() {
    return settings.get(SharedSettings.GRPC_MAX_MESSAGE_BYTES);
  }

  /** The folder of the service's files, created on first use. */
  public Path dataDir() {
    Path dir = settings.get(SharedSettings.DATA_DIR);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + dir, e);
    }
    return dir;
  }

  /**
   * The address other services use to reach this one: {@code grpc.advertise} when set, else the
   * gRPC host and the port it is bound to (known once the server has started).
   */
  public String advertisedAddress() {
    return settings
        .get(SharedSettings.GRPC_ADVERTISE)
        .orElseGet(() -> settings.get(SharedSettings.GRPC_HOST) + ":" + boundPort);
  }

  void boundTo(int port) {
    this.boundPort = port;
  }

  /**
   * Reports a part of this service as serving or not under {@code name} in {@code grpc.health.v1},
   * beside the service's own names: a probe that asks for {@code name} (a Kubernetes readiness
   * probe, say) sees it. The orchestrator reports whether this replica leads. Reported before the
   * server starts, it is answered from the start.
   */
  public synchronized void reportHealth(String name, boolean serving) {
    namedHealth.put(name, serving);
    if (healthSink != null) {
      healthSink.accept(name, serving);
    }
  }

  synchronized void healthTo(BiConsumer<String, Boolean> sink) {
    healthSink = sink;
    namedHealth.forEach(sink);
  }

  void stopWith(Runnable stop) {
    this.stop = stop;
  }

  /**
   * Asks the host to stop the service as a signal would: drain, stop serving, close. Returns at
   * once; the stop runs on a thread of its own. Does nothing for a context without a host.
   */
  public void requestStop() {
    Runnable s = stop;
    if (s == null) {
      LOG.warning(serviceName + ": a stop was requested, but no host runs this service");
    } else {
      s.run();
    }
  }

  /**
   * Credentials that name this service on its calls to other services. Over mutual TLS the
   * channel's certificate already does, so they add nothing; otherwise each call carries a bearer
   * token of the service's identity.
   */
  public CallCredentials credentials() {
    return mutualTls ? CertificateOnly.INSTANCE : new BearerCredentials(identity, clock);
  }

  /** Whether this service's channels present its certificate (mutual TLS). */
  public boolean mutualTls() {
    return mutualTls;
  }

  /** Call credentials for channels whose client certificate names the caller: nothing to add. */
  private static final class CertificateOnly extends CallCredentials {
    static final CertificateOnly INSTANCE = new CertificateOnly();

    @Override
    public void applyRequestMetadata(
        RequestInfo info, java.util.concurrent.Executor executor, MetadataApplier applier) {
      applier.apply(new io.grpc.Metadata());
    }
  }

  /**
   * A shared channel to another service at {@code target} ("host:port"), closed with the context.
   */
  public ManagedChannel channel(String target) {
    return channels.computeIfAbsent(target, channelFactory);
  }

  /** Registers something to close when the service stops (closed last-registered first). */
  public synchronized <T extends AutoCloseable> T closeOnStop(T resource) {
    closeables.push(resource);
    return resource;
  }

  @Override
  public synchronized void close() {
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "closing " + c + " failed", e);
      }
    }
    channels.values().forEach(MeshChannels::close);
    channels.clear();
  }
}
