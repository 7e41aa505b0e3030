package io.meshwork.runtime.auth;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which roles each DID has at this service, as its configuration says: the per-role lists of
 * docs/AUTH.md ({@code auth.operators}, {@code auth.orchestrators}, ...) that the service reads,
 * and its own DID in the role of what it runs. Every DID is also a {@link Role#USER}.
 *
 * <p>The lists start as configured; membership changes them while the service runs ({@link #grant}
 * and {@link #revoke}): an orchestrator grants the executor role to the executors it admits, and an
 * executor grants the orchestrator role to the orchestrator it joined. Parties call with
 * certificates, not tokens, so a DID moving between the replay memory's pools loses nothing.
 */
public final class MeshRoles {
  private final Map<Role, Set<String>> members = new EnumMap<>(Role.class);

  /**
   * Creates roles from the configured lists.
   *
   * @param configured the DIDs of each role; {@link Role#USER} is everyone and cannot be listed
   */
  public MeshRoles(Map<Role, ? extends Collection<String>> configured) {
    for (Role role : Role.values()) {
      members.put(role, ConcurrentHashMap.newKeySet());
    }
    configured.forEach(
        (role, dids) -> {
          if (role == Role.USER) {
            throw new IllegalArgumentException("every caller is a user; the role is not a list");
          }
          members.get(role).addAll(dids);
        });
  }

  /** Roles in which nobody but users are configured. */
  public static MeshRoles none() {
    return new MeshRoles(Map.of());
  }

  /** Puts the service's own {@code did} in {@code role}, the role of what it runs. */
  public void addSelf(String did, Role role) {
    add(role, did);
  }

  /** Gives {@code did} {@code role} from now on (a member admitted while the service runs). */
  public void grant(Role role, String did) {
    add(role, did);
  }

  /** Takes {@code role} from {@code did} (a member that left or was refused). */
  public void revoke(Role role, String did) {
    if (role == Role.USER) {
      throw new IllegalArgumentException("every caller is a user; the role cannot be taken");
    }
    members.get(role).remove(did);
  }

  private void add(Role role, String did) {
    if (role == Role.USER) {
      throw new IllegalArgumentException("every caller is a user already");
    }
    members.get(role).add(did);
  }

  /** Every role {@code did} has here, {@link Role#USER} included. */
  public Set<Role> rolesOf(String did) {
    EnumSet<Role> roles = EnumSet.of(Role.USER);
    members.forEach(
        (role, dids) -> {
          if (dids.contains(did)) {
            roles.add(role);
          }
        });
    return Collections.unmodifiableSet(roles);
  }

  /** Whether {@code did} has {@code role} here. */
  public boolean has(String did, Role role) {
    return role == Role.USER || members.get(role).contains(did);
  }

  /** Whether {@code did} is an executor that is a member of the mesh. */
  public boolean isExecutor(String did) {
    return has(did, Role.EXECUTOR);
  }

  /**
   * Whether the configuration names {@code did} in some role beyond user: one of the mesh's parties
   * or an operator.
   */
  public boolean isParty(String did) {
    return members.values().stream().anyMatch(dids -> dids.contains(did));
  }

  /** The caller record for {@code did}. */
  public Caller callerFor(String did) {
    return new Caller(did, rolesOf(did));
  }
}
