package io.meshwork.runtime.auth;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call each RPC of one gRPC service: the roles allowed, or nobody at all needing a token
 * (public). Each service declares its table beside its gRPC adapter, and docs/AUTH.md lists them;
 * the {@link AuthInterceptor} that {@code MeshServer} puts in front of every service enforces it.
 *
 * <p>An RPC without a row is refused to everyone, so an RPC added to a {@code .proto} stays closed
 * until someone decides who may call it.
 */
public final class AccessTable {
  /**
   * Who may call one RPC.
   *
   * @param open whether the RPC is public: no token is needed, and none is checked
   * @param roles the roles allowed when it is not public; a caller needs one of them
   */
  public record Rule(boolean open, Set<Role> roles) {
    /** Copies the roles. */
    public Rule {
      roles = roles.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(roles));
    }

    /** Whether a caller with {@code callerRoles} may call. */
    public boolean allows(Set<Role> callerRoles) {
      return open || roles.stream().anyMatch(callerRoles::contains);
    }
  }

  private final String serviceName;
  private final Optional<Role> servedBy;
  private final Map<String, Rule> rules;

  private AccessTable(Builder b) {
    this.serviceName = b.descriptor.getName();
    this.servedBy = b.servedBy;
    this.rules = Map.copyOf(b.rules);
  }

  /** Starts the table of the service {@code descriptor} describes. */
  public static Builder forService(ServiceDescriptor descriptor) {
    return new Builder(descriptor);
  }

  /** The full name of the service, such as {@code meshwork.ledger.v1.LedgerService}. */
  public String serviceName() {
    return serviceName;
  }

  /** The role of the process that serves this service, which its own DID has there. */
  public Optional<Role> servedBy() {
    return servedBy;
  }

  /** The row of the method {@code fullMethodName} ({@code service/Method}), if it has one. */
  public Optional<Rule> rule(String fullMethodName) {
    return Optional.ofNullable(rules.get(fullMethodName));
  }

  /**
   * Pairs {@code service} with this table, for {@code MeshService.grpcServices()}.
   *
   * @throws IllegalArgumentException if {@code service} is not the service this table is for
   */
  public GuardedService guard(BindableService service) {
    return new GuardedService(service, this);
  }

  /** Builds an {@link AccessTable}; every method named must be one of the service's. */
  public static final class Builder {
    private final ServiceDescriptor descriptor;
    private final Map<String, Rule> rules = new LinkedHashMap<>();
    private Optional<Role> servedBy = Optional.empty();

    private Builder(ServiceDescriptor descriptor) {
      this.descriptor = descriptor;
    }

    /** The role of the process that serves the service; its own DID gets it. */
    public Builder servedBy(Role role) {
      this.servedBy = Optional.of(role);
      return this;
    }

    /**
     * Lets callers with any of {@code roles} call {@code method} (its short name, "GetAccount").
     */
    public Builder allow(String method, Role first, Role... more) {
      return row(method, new Rule(false, EnumSet.of(first, more)));
    }

    /** Makes {@code method} public: it needs no token, and any caller may call it. */
    public Builder allowPublic(String method) {
      return row(method, new Rule(true, Set.of()));
    }

    private Builder row(String method, Rule rule) {
      String full = MethodDescriptor.generateFullMethodName(descriptor.getName(), method);
      boolean known =
          descriptor.getMethods().stream().anyMatch(m -> m.getFullMethodName().equals(full));
      if (!known) {
        throw new IllegalArgumentException(descriptor.getName() + " has no method " + method);
      }
      if (rules.putIfAbsent(full, rule) != null) {
        throw new IllegalArgumentException("the table has two rows for " + full);
      }
      return this;
    }

    /** The table. */
    public AccessTable build() {
      return new AccessTable(this);
    }
  }
}
