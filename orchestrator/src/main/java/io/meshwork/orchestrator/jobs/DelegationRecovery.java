package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.PeerOrchestrators.DelegationState;
import java.util.Optional;

/**
 * What an orchestrator restarted from its journal does with a task a peer had delegated to it and
 * that it had not finished: resume it only while its delegator still awaits the result; otherwise
 * abandon it, releasing its hold and paying nothing more.
 *
 * <p>A delegator stops awaiting a result at the task's deadline, and earlier when it decided the
 * peer had lost the task (it stopped answering, or said it no longer runs it) and placed the task
 * elsewhere: work resumed after that would be paid by this orchestrator and never reimbursed.
 */
final class DelegationRecovery {
  /** What to do next. */
  enum Step {
    /** Run the task to its end, keeping the parts settled before the restart. */
    RESUME,
    /** Release the hold and forget the task; pay nothing more for it. */
    ABANDON,
    /** The delegator did not answer: ask again shortly. */
    ASK_AGAIN
  }

  private DelegationRecovery() {}

  /**
   * The step for a delegation whose delegator stops waiting at {@code deadlineMillis}, at {@code
   * nowMillis}, given the delegator's answer to GetDelegation ({@code empty}: it did not answer).
   */
  static Step decide(long deadlineMillis, long nowMillis, Optional<DelegationState> answer) {
    if (nowMillis >= deadlineMillis) {
      // Whatever the delegator would say, it no longer waits: the result would be refused.
      return Step.ABANDON;
    }
    if (answer.isEmpty()) {
      return Step.ASK_AGAIN;
    }
    // Only AWAITED means the delegator waits for this orchestrator's result. UNKNOWN: it placed the
    // task elsewhere, finished the job or restarted itself (and will delegate again under a new
    // id). RUNNING would be the delegator running the task for us, which it is not: no.
    return answer.get() == DelegationState.AWAITED ? Step.RESUME : Step.ABANDON;
  }
}
