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

/**
 * Authenticates every call with the bearer token of AUTH.md and makes the caller available to
 * handlers through {@link Caller#current()}.
 *
 * <p>The health and reflection services are open, because probes and tools such as grpcurl must
 * reach them without a key; every other method requires a valid token.
 */
public final class AuthInterceptor implements ServerInterceptor {
  private final TokenVerifier verifier;
  private final MeshRoles roles;

  /** Creates the interceptor. */
  public AuthInterceptor(TokenVerifier verifier, MeshRoles roles) {
    this.verifier = verifier;
    this.roles = roles;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (service != null
        && (service.startsWith("grpc.health.") || service.startsWith("grpc.reflection."))) {
      return next.startCall(call, headers);
    }
    String header = headers.get(BearerCredentials.AUTHORIZATION);
    String did;
    try {
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new AuthenticationException(
            "missing", "the call has no 'authorization: Bearer <token>' header");
      }
      did = verifier.verify(header.substring(7).trim());
    } catch (AuthenticationException e) {
      StatusRuntimeException status =
          ErrorMapping.toStatus(
              new MeshException(
                      MeshException.Kind.UNAUTHENTICATED,
                      "UNAUTHENTICATED",
                      "authentication failed: " + e.getMessage())
                  .with("check", e.check()));
      call.close(status.getStatus(), status.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current().withValue(Caller.KEY, roles.callerFor(did));
    return Contexts.interceptCall(context, call, headers, next);
  }
}
