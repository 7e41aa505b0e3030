package io.meshwork.runtime.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.meshwork.identity.AuthenticationException;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.runtime.errors.ErrorMapping;
import io.meshwork.runtime.errors.MeshException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, before any handler runs, whether a call to one gRPC service may go ahead: it finds the
 * method's row in the service's {@link AccessTable}, identifies the caller unless the row is
 * public, and checks the caller's roles against the row. The caller is then available to handlers
 * through {@link Caller#current()}.
 *
 * <p>The caller is identified by the verified client certificate of mutual TLS when the connection
 * presented one, else by the bearer token of docs/AUTH.md; either way its roles come from the same
 * role lists ({@link MeshRoles}). {@link TransportIdentity} decides what the transport allows: a
 * token that came over TLS without a mesh certificate carries no role of the mesh's parties.
 *
 * <p>{@code MeshServer} puts one in front of every service it serves, so no service can forget it.
 * The refusals, in the order they are checked:
 *
 * <ul>
 *   <li>no row: PERMISSION_DENIED {@code ROLE_REQUIRED}, with no role allowed;
 *   <li>neither a mesh client certificate nor a token, or a token that fails a check:
 *       UNAUTHENTICATED {@code UNAUTHENTICATED}, with the check that failed (its {@code audience}
 *       check compares against the service called);
 *   <li>a caller with too many live tokens, or a full replay memory: RESOURCE_EXHAUSTED {@code
 *       REPLAY_QUOTA} or {@code REPLAY_CAPACITY};
 *   <li>none of the roles allowed: PERMISSION_DENIED {@code ROLE_REQUIRED}, naming the roles
 *       allowed and the caller's, and ({@code certificate_roles}) those the lists give the caller
 *       but its token over TLS could not carry.
 * </ul>
 */
public final class AuthInterceptor implements ServerInterceptor {
  private final TokenVerifier verifier;
  private final MeshRoles roles;
  private final AccessTable access;

  /** Guards the service of {@code access}. */
  public AuthInterceptor(TokenVerifier verifier, MeshRoles roles, AccessTable access) {
    this.verifier = verifier;
    this.roles = roles;
    this.access = access;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<AccessTable.Rule> row = access.rule(method);
    if (row.isEmpty()) {
      return refuse(
          call,
          MeshException.permissionDenied(
                  "ROLE_REQUIRED",
                  "no role may call " + method + ": the service's access table has no row for it")
              .with("method", method)
              .with("allowed_roles", ""));
    }
    AccessTable.Rule rule = row.get();
    if (rule.open()) {
      return next.startCall(call, headers);
    }
    Caller caller;
    try {
      caller = identify(call, headers);
    } catch (AuthenticationException e) {
      return refuse(call, refusal(e));
    }
    if (!rule.allows(caller.roles())) {
      return refuse(call, roleRequired(method, rule.roles(), caller, roles.rolesOf(caller.did())));
    }
    Context context = Context.current().withValue(Caller.KEY, caller);
    return Contexts.interceptCall(context, call, headers, next);
  }

  /**
   * Who makes the call: the DID of the connection's verified client certificate (mutual TLS), whose
   * call carries no token; else the DID of the bearer token addressed to the service called, with
   * the roles the transport lets a token carry.
   */
  private Caller identify(ServerCall<?, ?> call, Metadata headers) throws AuthenticationException {
    Optional<Caller> certified = TransportIdentity.certified(call, roles);
    if (certified.isPresent()) {
      return certified.get();
    }
    String did = authenticate(headers, call.getMethodDescriptor().getServiceName());
    return TransportIdentity.fromToken(did, call, roles);
  }

  /** The caller's DID, from the bearer token addressed to {@code service}. */
  private String authenticate(Metadata headers, String service) throws AuthenticationException {
    String header = headers.get(BearerCredentials.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new AuthenticationException(
          "missing", "the call has no 'authorization: Bearer <token>' header");
    }
    return verifier.verify(header.substring(7).trim(), service);
  }

  private static MeshException refusal(AuthenticationException e) {
    return switch (e.check()) {
      // The caller proved who it is; it is asked to wait, not to authenticate again.
      case "replay-quota", "replay-capacity" ->
          new MeshException(
                  MeshException.Kind.RESOURCE_EXHAUSTED,
                  e.check().equals("replay-quota") ? "REPLAY_QUOTA" : "REPLAY_CAPACITY",
                  e.getMessage())
              .with("check", e.check());
      default ->
          new MeshException(
                  MeshException.Kind.UNAUTHENTICATED,
                  "UNAUTHENTICATED",
                  "authentication failed: " + e.getMessage())
              .with("check", e.check());
    };
  }

  /**
   * The refusal of a caller none of whose roles is {@code allowed}. {@code configured} are the
   * roles the role lists give its DID: when the transport withheld one that the row allows (a
   * party's token over TLS without its certificate), the message says so, since the lists alone
   * would suggest the caller should pass.
   */
  private static MeshException roleRequired(
      String method, Set<Role> allowed, Caller caller, Set<Role> configured) {
    String needed = Caller.names(allowed);
    String has = Caller.names(caller.roles());
    Set<Role> withheld = EnumSet.noneOf(Role.class);
    withheld.addAll(configured);
    withheld.removeAll(caller.roles());
    withheld.retainAll(allowed);
    MeshException refusal =
        MeshException.permissionDenied(
                "ROLE_REQUIRED",
                method
                    + " is for the role"
                    + (allowed.size() == 1 ? " " : "s ")
                    + needed
                    + "; the caller "
                    + caller.did()
                    + " is "
                    + has
                    + (withheld.isEmpty()
                        ? ""
                        : "; its role"
                            + (withheld.size() == 1 ? " " : "s ")
                            + Caller.names(withheld)
                            + (withheld.size() == 1 ? " counts" : " count")
                            + " only with the mesh's client certificate (mutual TLS), and the call"
                            + " came over TLS with a token alone"))
            .with("method", method)
            .with("allowed_roles", needed)
            .with("caller_roles", has)
            .with("caller", caller.did());
    return withheld.isEmpty() ? refusal : refusal.with("certificate_roles", Caller.names(withheld));
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, MeshException e) {
    StatusRuntimeException status = ErrorMapping.toStatus(e);
    call.close(status.getStatus(), status.getTrailers());
    return new ServerCall.Listener<>() {};
  }
}
