package io.meshwork.runtime.auth;

import io.grpc.ServerCall;
import io.meshwork.runtime.tls.PeerIdentity;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the transport says about a call's caller, before any token is read.
 *
 * <p>A call over mutual TLS whose verified client certificate names a DID is that DID, with every
 * role the role lists give it: only the mesh's CA issues such certificates, and only to the holder
 * of the DID's key, so the call needs no bearer token. Over TLS without such a certificate a bearer
 * token names the caller, but only as a user or an operator, the roles of people: the mesh's
 * parties (orchestrators, executors, peers, the ledger, the receipt log) always call with their
 * certificate, so a party's DID in a token on such a call is someone borrowing it. Without TLS at
 * all (the in-process transport of tests, {@code tls.plaintext} for debugging) tokens decide alone,
 * as they did before TLS.
 */
final class TransportIdentity {
  /**
   * The roles a token carries over TLS without a client certificate. Listed rather than excluded,
   * so that a role added later is a certificate's until someone decides otherwise.
   */
  private static final Set<Role> TOKEN_ROLES = EnumSet.of(Role.USER, Role.OPERATOR);

  private TransportIdentity() {}

  /** The caller that the call's verified client certificate names, if it presented one. */
  static Optional<Caller> certified(ServerCall<?, ?> call, MeshRoles roles) {
    return PeerIdentity.clientDid(call).map(roles::callerFor);
  }

  /**
   * The caller a verified bearer token names, with the roles the transport allows: over TLS without
   * a mesh client certificate, no more than {@link #TOKEN_ROLES}.
   */
  static Caller fromToken(String did, ServerCall<?, ?> call, MeshRoles roles) {
    Caller caller = roles.callerFor(did);
    if (!PeerIdentity.overTls(call)) {
      return caller;
    }
    Set<Role> kept = EnumSet.copyOf(caller.roles());
    kept.retainAll(TOKEN_ROLES);
    return new Caller(did, kept);
  }
}
