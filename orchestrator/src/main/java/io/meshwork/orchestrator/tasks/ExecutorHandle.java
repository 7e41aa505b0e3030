package io.meshwork.orchestrator.tasks;

import java.time.Duration;

/**
 * Port: one executor the orchestrator can announce tasks to and assign them to.
 *
 * <p>Every call that must reach the executor throws {@link RemoteCallFailed} when it does not;
 * {@link #cancel} and {@link #withdraw} swallow failures, as their callers would.
 */
public interface ExecutorHandle {
  /** Where the executor is ("host:port"). */
  String endpoint();

  /** Announces a task; the executor answers with a bid or a decline within {@code wait}. */
  AnnounceAnswer announce(Announcement announcement, Duration wait);

  /** Assigns a task; the executor acknowledges (or answers with the result) within {@code wait}. */
  AssignAnswer assign(Assignment assignment, Duration wait);

  /** Asks the executor to stop an assignment; failures are ignored (the result is discarded). */
  void cancel(String assignmentId);

  /**
   * Takes back an assignment that has not started yet (work stealing); returns false when it is
   * already running, finished or unknown, or the executor cannot be reached.
   */
  boolean withdraw(String assignmentId);

  /** The bytes of a result the executor returned as a commitment only. */
  byte[] reveal(String assignmentId, Duration wait);

  /** Reads the executor's capacity. */
  ExecutorCapacity capacity(Duration wait);

  /**
   * The DID the executor proves at its endpoint (its TLS certificate's; over plaintext, the one it
   * claims).
   */
  String identify(Duration wait);
}
