package io.meshwork.runtime.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.AuthInterceptor;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.tls.PeerIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The gRPC server of one Meshwork service: its own services plus reflection and health, behind the
 * metrics and access interceptors, with a bounded message size and a graceful stop.
 *
 * <p>Every one of its own services gets, whatever else the builder was given, an {@link
 * AuthInterceptor} enforcing the service's {@link AccessTable} (authentication and roles), and the
 * error-mapping interceptor, so a handler's failure always reaches the caller as a mapped status.
 * Services come only as {@link GuardedService}s, so none can be served without its table.
 * Reflection and health are public: probes and tools such as grpcurl reach them without a key.
 *
 * <p>It takes a {@link ServerBuilder} so that production hands it a Netty builder bound to a port
 * and tests hand it an in-process one: both run the same wiring.
 */
public final class MeshServer {
  private static final Logger LOG = Logger.getLogger(MeshServer.class.getName());

  private final Server server;
  private final Server healthOnly;
  private final HealthStatusManager health;
  private final List<String> serviceNames;
  private final Duration shutdownGrace;

  private MeshServer(Builder b) {
    this.health = new HealthStatusManager();
    this.shutdownGrace = b.shutdownGrace;
    this.serviceNames = new ArrayList<>();
    ServerBuilder<?> sb = b.serverBuilder;
    sb.maxInboundMessageSize(b.maxMessageBytes);
    if (!b.services.isEmpty() && b.verifier == null) {
      throw new IllegalStateException(
          "a MeshServer serves nobody unauthenticated: call authenticate");
    }
    // Reads a TLS client certificate's DID once per connection, for the authentication step.
    sb.addTransportFilter(PeerIdentity.transportFilter());
    ErrorMappingInterceptor errors = new ErrorMappingInterceptor();
    for (GuardedService service : b.services) {
      ServerServiceDefinition definition = service.service().bindService();
      serviceNames.add(definition.getServiceDescriptor().getName());
      // Error mapping sits next to the handler, so that the status it closes a call with passes
      // out through the other interceptors (metrics count it). Interceptors listed first run
      // first: metrics see every call, including refused ones; access is decided last, just
      // before the handler.
      List<ServerInterceptor> chain = new ArrayList<>(b.interceptors);
      chain.add(new AuthInterceptor(b.verifier, b.roles, service.access()));
      ServerServiceDefinition mapped = ServerInterceptors.intercept(definition, errors);
      sb.addService(ServerInterceptors.interceptForward(mapped, chain));
    }
    sb.addService(health.getHealthService());
    sb.addService(ProtoReflectionServiceV1.newInstance());
    sb.addService(legacyReflection());
    this.server = sb.build();
    // The probes' port shares the health status of the main port, and carries nothing else.
    this.healthOnly =
        b.healthOnlyBuilder == null
            ? null
            : b.healthOnlyBuilder.addService(health.getHealthService()).build();
  }

  @SuppressWarnings("deprecation")
  private static BindableService legacyReflection() {
    // grpcurl and older tools still ask the v1alpha reflection service first.
    return ProtoReflectionService.newInstance();
  }

  /** Starts building a server on {@code serverBuilder}. */
  public static Builder builder(ServerBuilder<?> serverBuilder) {
    return new Builder(serverBuilder);
  }

  /** Starts serving and marks every service SERVING. */
  public MeshServer start() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the gRPC server: " + e.getMessage(), e);
    }
    if (healthOnly != null) {
      try {
        healthOnly.start();
      } catch (IOException e) {
        server.shutdownNow();
        throw new UncheckedIOException("cannot start the gRPC health port: " + e.getMessage(), e);
      }
    }
    health.setStatus("", ServingStatus.SERVING);
    for (String name : serviceNames) {
      health.setStatus(name, ServingStatus.SERVING);
    }
    return this;
  }

  /** The bound port (for a Netty server started on port 0, the one the system chose). */
  public int port() {
    return server.getPort();
  }

  /** The bound port of the plaintext health-only server, or -1 when there is none. */
  public int healthPort() {
    return healthOnly == null ? -1 : healthOnly.getPort();
  }

  /** Sets the health status of every service, e.g. NOT_SERVING while a dependency is down. */
  public void setServing(boolean serving) {
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus("", status);
    for (String name : serviceNames) {
      health.setStatus(name, status);
    }
  }

  /**
   * Sets the health status reported under {@code name}, which is none of the gRPC services' names:
   * a part of the service, such as a role it holds.
   */
  public void setStatus(String name, boolean serving) {
    health.setStatus(name, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /**
   * Stops taking calls, lets in-flight calls finish within the grace period, then cancels what is
   * left.
   */
  public void stop() {
    health.enterTerminalState();
    if (healthOnly != null) {
      healthOnly.shutdownNow();
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warning("calls still running after " + shutdownGrace + "; cancelling them");
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Blocks until the server has stopped. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Builds a {@link MeshServer}. */
  public static final class Builder {
    private final ServerBuilder<?> serverBuilder;
    private final List<GuardedService> services = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private TokenVerifier verifier;
    private MeshRoles roles;
    private int maxMessageBytes = 64 * 1024 * 1024;
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private ServerBuilder<?> healthOnlyBuilder;

    private Builder(ServerBuilder<?> serverBuilder) {
      this.serverBuilder = serverBuilder;
    }

    /** Adds a service of this Meshwork service, with the table of who may call it. */
    public Builder addService(GuardedService service) {
      services.add(service);
      return this;
    }

    /**
     * Authenticates callers with {@code verifier} and gives them their {@code roles}; required when
     * the server has services of its own.
     */
    public Builder authenticate(TokenVerifier verifier, MeshRoles roles) {
      this.verifier = verifier;
      this.roles = roles;
      return this;
    }

    /**
     * Adds an interceptor applied to the service's own methods, in the order added and before the
     * access check.
     */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(interceptor);
      return this;
    }

    /** Largest message accepted; a larger one fails with RESOURCE_EXHAUSTED. */
    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    /** How long a stop waits for in-flight calls. */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * Also serves {@code grpc.health.v1.Health}, and nothing else, on {@code builder}: a plaintext
     * port for probes that cannot speak TLS, such as Kubernetes' gRPC probes.
     */
    public Builder healthOnlyOn(ServerBuilder<?> builder) {
      this.healthOnlyBuilder = builder;
      return this;
    }

    /** Builds the server (not started). */
    public MeshServer build() {
      return new MeshServer(this);
    }
  }
}
