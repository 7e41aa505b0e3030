package io.meshwork.orchestrator.membership;

/** How a member came to be one. */
public enum MemberSource {
  /** It joined through the membership handshake. */
  JOIN,
  /** The orchestrator's configuration names it ({@code orchestrator.executors}). */
  CONFIG,
  /** The orchestrator's own fallback executor ({@code orchestrator.local-slots}). */
  LOCAL,
  /**
   * Found by discovery (the executor Service's EndpointSlices on Kubernetes), called back and
   * admitted; it sends no heartbeats unless it also joins, and leaves when its endpoint goes.
   */
  DISCOVERED;

  /** The name the membership API and the CLI show. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
