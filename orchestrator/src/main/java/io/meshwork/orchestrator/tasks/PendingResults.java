package io.meshwork.orchestrator.tasks;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Assignments waiting for their results, keyed by assignment id.
 *
 * <p>ReturnTaskResult arrives on a gRPC thread; the task waits on its own thread. This registry
 * joins the two and checks the result on arrival, so the caller learns at once whether it was
 * verified.
 */
public final class PendingResults {
  /** What a waiting task learns. */
  record Arrival(TaskResult result, String rejection) {}

  private record Pending(
      TaskSpec task, String expectedExecutor, CompletableFuture<Arrival> future) {}

  /** The verdict on a returned result. */
  public record Verdict(boolean verified, String reason) {}

  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  CompletableFuture<Arrival> expect(String assignmentId, TaskSpec task, String expectedExecutor) {
    CompletableFuture<Arrival> future = new CompletableFuture<>();
    pending.put(assignmentId, new Pending(task, expectedExecutor, future));
    return future;
  }

  void forget(String assignmentId) {
    pending.remove(assignmentId);
  }

  /**
   * Takes a result that {@code sender} returned: checks it and hands it to the waiting task. Only
   * the executor the task was assigned to may return its result; one from anybody else is refused
   * and leaves the assignment waiting for the real one, so it counts against nobody.
   *
   * @param sender the authenticated identity that returned it
   */
  public Verdict accept(TaskResult result, String sender) {
    Pending p = pending.get(result.assignmentId());
    if (p == null) {
      return new Verdict(
          false, "no task is waiting for assignment '" + result.assignmentId() + "'");
    }
    if (p.expectedExecutor() != null && !p.expectedExecutor().equals(sender)) {
      return new Verdict(
          false,
          "assignment '"
              + result.assignmentId()
              + "' was not given to "
              + sender
              + "; only its executor may return its result");
    }
    if (!pending.remove(result.assignmentId(), p)) {
      return new Verdict(
          false, "no task is waiting for assignment '" + result.assignmentId() + "'");
    }
    String rejection =
        ResultCheck.check(p.task(), p.expectedExecutor(), result.assignmentId(), result);
    p.future().complete(new Arrival(result, rejection));
    return rejection == null ? new Verdict(true, "") : new Verdict(false, rejection);
  }
}
