package io.meshwork.orchestrator.tasks;

/**
 * One attempt to run a task on one executor failed; the task moves on to another executor. {@code
 * lost} when the executor went silent or broke the protocol (its reliability suffers), {@code lied}
 * when its result contradicts its own signed receipt (its honesty does).
 */
class AttemptFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final boolean lost;
  final boolean lied;

  AttemptFailed(String message, boolean lost) {
    this(message, lost, false);
  }

  AttemptFailed(String message, boolean lost, boolean lied) {
    super(message);
    this.lost = lost;
    this.lied = lied;
  }

  /** The winning executor had no room left by the time the task was assigned, or is draining. */
  static final class Busy extends AttemptFailed {
    private static final long serialVersionUID = 1L;

    // The refusal answered a retry: an earlier try that timed out may have been taken after all.
    final boolean afterRetry;
    // Refused because the executor is draining before it leaves, not because it is full.
    final boolean draining;

    Busy(String message, boolean afterRetry, boolean draining) {
      super(message, false);
      this.afterRetry = afterRetry;
      this.draining = draining;
    }
  }

  /**
   * The executor never acknowledged the assignment (it did not answer, or not in time): the fault
   * of the executor or the network, not of the task, which may never have started.
   */
  static final class Unacknowledged extends AttemptFailed {
    private static final long serialVersionUID = 1L;

    Unacknowledged(String message) {
      super(message, true);
    }
  }

  /**
   * Membership declared the executor lost (its heartbeats stopped) or gone while it held the task:
   * the fault of the executor or the network, not of the task, as with {@link Unacknowledged}.
   */
  static final class ExecutorLost extends AttemptFailed {
    private static final long serialVersionUID = 1L;

    ExecutorLost(String message) {
      super(message, true);
    }
  }

  /** The task was taken back from a busy executor's queue for an idle one (work stealing). */
  static final class Withdrawn extends AttemptFailed {
    private static final long serialVersionUID = 1L;

    // The executor whose free slot was promised to the task.
    final String idleDid;

    Withdrawn(String message, String idleDid) {
      super(message, false);
      this.idleDid = idleDid;
    }
  }
}
