package io.meshwork.executor.work;

import io.meshwork.compute.v1.ComputeTaskResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link TaskRunner} remembers of assignments that have run, for an AssignTask call retried
 * after its first answer was lost: that the assignment ran (it is acknowledged, not run again), and
 * the result it was answered with inline (the retry gets the same answer).
 *
 * <p>Both are bounded, oldest first out: a retry comes within seconds, not thousands of tasks
 * later; the inline answers, each at most {@link AdmittedTask#INLINE_MAX_BYTES}, are the fewer.
 */
final class FinishedAssignments {
  private static final int MAX_RAN = 10_000;
  private static final int MAX_ANSWERS = 1_000;

  private final Map<String, Boolean> ran = bounded(MAX_RAN);
  private final Map<String, ComputeTaskResult> answers = bounded(MAX_ANSWERS);

  private static <V> Map<String, V> bounded(int max) {
    return new LinkedHashMap<>() {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }

  /** Records that the assignment ran (or will never run: it was cancelled). */
  synchronized void add(String assignmentId) {
    ran.put(assignmentId, Boolean.TRUE);
  }

  /** Whether the assignment ran here, as far as memory goes back. */
  synchronized boolean ran(String assignmentId) {
    return ran.containsKey(assignmentId);
  }

  /** Records the result the assignment was answered with inline. */
  synchronized void answeredInline(String assignmentId, ComputeTaskResult result) {
    answers.put(assignmentId, result);
  }

  /** The result the assignment was answered with inline; null when none is remembered. */
  synchronized ComputeTaskResult inlineAnswer(String assignmentId) {
    return answers.get(assignmentId);
  }
}
