package io.meshwork.orchestrator.tasks;

import java.util.List;
import java.util.OptionalInt;

/**
 * Port: other orchestrators, those this one delegates to and the delegators it returns results to.
 * Calls that fail in transport throw {@link RemoteCallFailed}.
 */
public interface PeerOrchestrators {
  /** The configured peers ("host:port") that take delegated tasks. */
  List<String> peers();

  /**
   * Delegates a task to {@code peer}; the result comes back later through {@code replyTo}'s
   * ReturnTaskResult under {@code requestId}.
   */
  Delegated delegate(String peer, TaskPacket task, String replyTo, String requestId);

  /** Returns a delegated task's result to the delegator at {@code target}. */
  void returnResult(String target, TaskResult result);

  /**
   * The free task slots {@code peer} reports for itself and, {@code peerDepth} levels down, its own
   * peers; empty when it does not answer.
   */
  default OptionalInt freeSlots(String peer, int peerDepth) {
    return OptionalInt.empty();
  }

  /**
   * What the orchestrator at {@code target} knows of delegation {@code requestId}: whether it still
   * runs it for this one (asked of a delegate) or still awaits its result (asked of a delegator).
   * Throws {@link RemoteCallFailed} when it does not answer. A peer that cannot be asked (a test's)
   * is taken to be at work, so that only the task's deadline ends the wait.
   */
  default DelegationState delegationState(String target, String requestId) {
    return DelegationState.RUNNING;
  }

  /** What one orchestrator knows of a delegation (GetDelegation). */
  enum DelegationState {
    /** Neither runs it for the caller nor awaits its result. */
    UNKNOWN,
    /** It accepted the task from the caller and is still working on it. */
    RUNNING,
    /** It handed the task out and still awaits its result. */
    AWAITED
  }

  /** No peers at all: every task runs on this orchestrator's executors. */
  static PeerOrchestrators none() {
    return new PeerOrchestrators() {
      @Override
      public List<String> peers() {
        return List.of();
      }

      @Override
      public Delegated delegate(String peer, TaskPacket task, String replyTo, String requestId) {
        throw new IllegalStateException("no peer orchestrators are configured");
      }

      @Override
      public void returnResult(String target, TaskResult result) {
        throw new IllegalStateException("no peer orchestrators are configured");
      }
    };
  }

  /**
   * A peer's answer to a delegation.
   *
   * @param provedDid the DID the peer's TLS certificate proved on the call, or "" when the channel
   *     proves none (a mesh run with --plaintext)
   */
  record Delegated(boolean accepted, String reason, String provedDid) {}
}
