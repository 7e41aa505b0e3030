package io.meshwork.runtime.auth;

import io.grpc.Context;
import io.meshwork.runtime.errors.MeshException;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * The authenticated identity behind the call being served, and its roles at this service.
 *
 * <p>Which roles may call an RPC at all is the service's {@link AccessTable}, checked before the
 * handler runs. What is left to handlers are the rules about whose data it is (a job's submitter,
 * an account's owner), which they check with {@link #is} and {@link #requireOwnerOrOperator}.
 *
 * @param did the caller's did:key
 * @param roles the caller's roles here; always includes {@link Role#USER}
 */
public record Caller(String did, Set<Role> roles) {
  static final Context.Key<Caller> KEY = Context.key("meshwork-caller");

  /** Normalises the roles: every caller is a user, and the set cannot change. */
  public Caller {
    EnumSet<Role> all = EnumSet.of(Role.USER);
    all.addAll(roles);
    roles = Collections.unmodifiableSet(all);
  }

  /** A caller with {@code roles} besides user (for tests and internal work). */
  public static Caller of(String did, Role... roles) {
    return new Caller(did, Set.of(roles));
  }

  /** The caller of the current call; fails with UNAUTHENTICATED outside an authenticated call. */
  public static Caller current() {
    Caller caller = KEY.get();
    if (caller == null) {
      throw new MeshException(
          MeshException.Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "the call carries no identity");
    }
    return caller;
  }

  /** Whether the caller has {@code role} at this service. */
  public boolean is(Role role) {
    return roles.contains(role);
  }

  /**
   * Fails with PERMISSION_DENIED {@code NOT_OWNER} unless the caller is {@code owner} or an
   * operator.
   */
  public Caller requireOwnerOrOperator(String owner, String what) {
    if (!did.equals(owner) && !is(Role.OPERATOR)) {
      throw notOwner(owner, what);
    }
    return this;
  }

  /**
   * The PERMISSION_DENIED {@code NOT_OWNER} refusal of something that belongs to {@code owner}, for
   * rules {@link #requireOwnerOrOperator} does not cover.
   */
  public MeshException notOwner(String owner, String what) {
    return MeshException.permissionDenied(
            "NOT_OWNER", what + " belongs to " + owner + ", not to the caller " + did)
        .with("caller", did)
        .with("owner", owner);
  }

  /** The roles as their wire names, comma-separated in the order of {@link Role}. */
  public static String names(Collection<Role> roles) {
    return roles.stream().sorted().map(Role::wireName).collect(Collectors.joining(", "));
  }

  /**
   * Runs {@code body} as if this caller had made the current call (for tests and internal work).
   */
  public <T> T callAs(Callable<T> body) throws Exception {
    return Context.current().withValue(KEY, this).call(body);
  }
}
