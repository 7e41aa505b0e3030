package io.meshwork.orchestrator.membership;

/** How a member came to be one. */
public enum MemberSource {
  /** It joined through the membership handshake. */
  JOIN,
  /** The orchestrator's configuration names it ({@code orchestrator.executors}). */
  CONFIG,
  /** The orchestrator's own fallback executor ({@code orchestrator.local-slots}). */
  LOCAL;

  /** The name the membership API and the CLI show. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
