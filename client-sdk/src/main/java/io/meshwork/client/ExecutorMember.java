package io.meshwork.client;

import java.time.Instant;
import java.util.Objects;

/**
 * One executor of an orchestrator's membership, as the orchestrator lists it to an operator ({@link
 * MeshClient#members(boolean)}).
 *
 * @param did the executor's {@code did:key}
 * @param endpoint where the orchestrator calls it, {@code host:port}
 * @param state where it is in its life
 * @param load {@code (running + queued) / slots} at its last heartbeat
 * @param reputation the orchestrator's reputation score of it, 0 to 1
 * @param capacity what it offered at its last heartbeat
 * @param lastHeartbeat when its last heartbeat came; null when none has (an executor the
 *     orchestrator's configuration names sends none)
 * @param joinedAt when it joined; null when the orchestrator gave no time
 * @param engineVersion its WebAssembly engine, for example {@code chicory 1.5.1}; empty when
 *     unknown
 * @param source how it became a member: {@code join} (it joined), {@code config} (the
 *     orchestrator's {@code orchestrator.executors}), {@code local} (the orchestrator's own
 *     fallback executor) or {@code discovered} (found in the executor Service's EndpointSlices on
 *     Kubernetes)
 */
public record ExecutorMember(
    String did,
    String endpoint,
    State state,
    float load,
    double reputation,
    Capacity capacity,
    Instant lastHeartbeat,
    Instant joinedAt,
    String engineVersion,
    String source) {

  /** Checks the fields that must be present. */
  public ExecutorMember {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(capacity, "capacity");
    Objects.requireNonNull(engineVersion, "engineVersion");
    Objects.requireNonNull(source, "source");
  }

  /** Where a member is in its life (docs/MEMBERSHIP.md, "States"). */
  public enum State {
    /** Admitted; the orchestrator has not yet reached it at its endpoint. */
    JOINING,
    /** Heartbeating and reachable: it gets work. */
    LIVE,
    /** It missed heartbeats: it gets no new work. */
    SUSPECT,
    /** It finishes its tasks before it leaves: it gets no new work. */
    DRAINING,
    /** Silent past the lost timeout: its tasks were taken back. It may come back. */
    LOST,
    /** Deregistered. */
    LEFT,
    /**
     * A state this SDK does not know: the orchestrator is newer than the SDK, or sent none. Kept
     * rather than failing the whole listing for one member.
     */
    UNKNOWN
  }

  /**
   * What an executor offers, as it reported it at its last heartbeat.
   *
   * @param cores its CPU cores
   * @param ramMb the memory it may give to modules, in MiB
   * @param slots how many tasks may run on it at once
   * @param running how many tasks run on it now
   * @param queued how many tasks wait there for a slot
   */
  public record Capacity(int cores, long ramMb, int slots, int running, int queued) {}
}
