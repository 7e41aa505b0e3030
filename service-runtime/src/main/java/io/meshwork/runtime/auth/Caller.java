package io.meshwork.runtime.auth;

import io.grpc.Context;
import io.meshwork.runtime.errors.MeshException;

/**
 * The authenticated identity behind the call being served, and what the mesh lets it do.
 *
 * @param did the caller's did:key
 * @param service whether the operator configured this DID as one of the mesh's services
 * @param operator whether the operator configured this DID as an operator
 */
public record Caller(String did, boolean service, boolean operator) {
  static final Context.Key<Caller> KEY = Context.key("meshwork-caller");

  /** The caller of the current call; fails with UNAUTHENTICATED outside an authenticated call. */
  public static Caller current() {
    Caller caller = KEY.get();
    if (caller == null) {
      throw new MeshException(
          MeshException.Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "the call carries no identity");
    }
    return caller;
  }

  /** Fails with PERMISSION_DENIED unless the caller is one of the mesh's services. */
  public Caller requireService(String what) {
    if (!service) {
      throw MeshException.permissionDenied(
              "SERVICE_IDENTITY_REQUIRED",
              what + " is accepted only from the mesh's service identities, not from " + did)
          .with("caller", did);
    }
    return this;
  }

  /** Fails with PERMISSION_DENIED unless the caller is {@code owner}, a service or an operator. */
  public Caller requireOwnerOrService(String owner, String what) {
    if (!did.equals(owner) && !service && !operator) {
      throw MeshException.permissionDenied(
              "NOT_OWNER", what + " belongs to " + owner + ", not to the caller " + did)
          .with("caller", did)
          .with("owner", owner);
    }
    return this;
  }

  /** Fails with PERMISSION_DENIED unless the caller is an operator. */
  public Caller requireOperator(String what) {
    if (!operator) {
      throw MeshException.permissionDenied(
              "OPERATOR_REQUIRED", what + " is accepted only from an operator identity")
          .with("caller", did);
    }
    return this;
  }

  /**
   * Runs {@code body} as if this caller had made the current call (for tests and internal work).
   */
  public <T> T callAs(java.util.concurrent.Callable<T> body) throws Exception {
    return Context.current().withValue(KEY, this).call(body);
  }
}
