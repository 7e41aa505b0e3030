package io.meshwork.orchestrator.membership;

import io.meshwork.orchestrator.tasks.ExecutorHandle;

/**
 * One member's live record. Its state changes only under the registry's lock; heartbeats write the
 * load and the time of the last beat without it (volatile), since they change no state.
 */
final class Member {
  final String did;
  // A discovered member that joins by itself becomes a joined one (watched by its heartbeats).
  volatile MemberSource source;
  // The start of its current membership period: a return after leaving starts a new one.
  volatile long joinedAt;
  volatile String endpoint;
  volatile ExecutorHandle handle;
  volatile MemberState state;
  volatile MemberLoad load;
  volatile String engineVersion;
  volatile long lastBeatNanos;
  volatile long lastBeatAt;
  volatile long leftAt;
  volatile boolean drainRequested;
  // The endpoint answered with this member's certificate (the join's callback check).
  volatile boolean reached;

  Member(String did, MemberSource source, String endpoint, long joinedAt, MemberState state) {
    this.did = did;
    this.source = source;
    this.endpoint = endpoint;
    this.joinedAt = joinedAt;
    this.state = state;
    this.load = MemberLoad.UNKNOWN;
    this.engineVersion = "";
  }

  MemberView view(double reputation) {
    return new MemberView(
        did,
        endpoint,
        source,
        state,
        load,
        engineVersion,
        joinedAt,
        lastBeatAt,
        leftAt,
        reputation);
  }
}
