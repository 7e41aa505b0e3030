package io.meshwork.orchestrator.tasks;

/**
 * How one {@link VerificationMode} turns runs on executors into a result that is accepted and paid:
 * how many runs, on whom, and who is paid or caught.
 */
interface Verification {
  /**
   * Runs the task until its result is accepted, records each run's outcome on {@code control}, and
   * returns the accepted result with everyone it pays.
   *
   * @throws TaskFailedException when no acceptable result can be had
   */
  TaskOutcome run(TaskSpec task, TaskControl control);
}
