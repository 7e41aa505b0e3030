package io.meshwork.orchestrator.tasks;

import java.util.List;
import java.util.Optional;

/** Port: the executors this orchestrator knows right now. */
public interface ExecutorFleet {
  /** The executors that get work now (announced to, assigned to). */
  List<ExecutorHandle> executors();

  /**
   * The executor of last resort (the orchestrator's own): announced to only when no executor of
   * {@link #executors()} bid.
   */
  default Optional<ExecutorHandle> lastResort() {
    return Optional.empty();
  }

  /**
   * Whether {@code executorDid} is lost: silent past the lost timeout, or gone. A task it runs is
   * taken back at once rather than at its deadline.
   */
  default boolean lost(String executorDid) {
    return false;
  }
}
