package io.meshwork.orchestrator.tasks;

/**
 * What a running task needs from its job: whether it was cancelled, how much of the budget is left,
 * and where its live assignment is (so a cancel can reach it).
 */
public interface TaskControl {
  /** Whether the job was cancelled or has failed; the task stops as soon as it sees this. */
  boolean stopped();

  /** Mana the job can still commit to new tasks. */
  long budgetLeft();

  /** Commits {@code price} of the budget to a winning bid; false when it no longer fits. */
  boolean reserve(long price);

  /** Returns a commitment whose task attempt failed. */
  void unreserve(long price);

  /** Called when the task is assigned, with a way to stop the assignment. */
  void assigned(String assignmentId, Runnable cancel);

  /** Called when the assignment is over (result, failure or cancel). */
  void unassigned(String assignmentId);

  /** Records how an attempt of a task was placed and how it ended (for explanations). */
  default void placed(Placement placement) {}
}
