package io.meshwork.orchestrator.membership;

import io.meshwork.runtime.errors.MeshException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may join: anyone (a development mesh), the DIDs of an allow-list, or whoever presents a join
 * token the operator made. A DID admitted once by token may rejoin without one (a restart, a
 * network cut); the allow-list is checked at every join, so that taking a DID off it keeps it out.
 */
public final class Admission {
  /** The policy's kinds. */
  public enum Policy {
    /** Anyone with a key may join: for development only. */
    OPEN,
    /** Only the DIDs listed in {@code orchestrator.admission-allow}. */
    ALLOW_LIST,
    /** Whoever presents a valid join token ({@code meshwork join-token create}). */
    TOKEN;

    /**
     * The policy named {@code name} in settings ({@code open}, {@code allow-list}, {@code token}).
     */
    public static Optional<Policy> named(String name) {
      for (Policy p : values()) {
        if (p.wireName().equals(name)) {
          return Optional.of(p);
        }
      }
      return Optional.empty();
    }

    /** The policy's name in settings. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Policy policy;
  private final Set<String> allowed;
  private final JoinTokens tokens;

  /** Admission by {@code policy}. */
  public Admission(Policy policy, Set<String> allowed, JoinTokens tokens) {
    this.policy = policy;
    this.allowed = Set.copyOf(allowed);
    this.tokens = tokens;
  }

  /**
   * Decides whether {@code did} may join; returns how it was admitted, for the history.
   *
   * @param knownBefore whether {@code did} was admitted before
   * @throws MeshException PERMISSION_DENIED naming why not
   */
  public String admit(String did, String joinToken, boolean knownBefore) {
    return switch (policy) {
      case OPEN -> "open admission";
      case ALLOW_LIST -> {
        if (!allowed.contains(did)) {
          throw MeshException.permissionDenied(
                  "NOT_ON_ALLOW_LIST",
                  did + " is not on this orchestrator's allow-list (orchestrator.admission-allow)")
              .with("executor_did", did);
        }
        yield "on the allow-list";
      }
      case TOKEN -> knownBefore ? "admitted before" : "join token " + tokens.redeem(joinToken);
    };
  }
}
