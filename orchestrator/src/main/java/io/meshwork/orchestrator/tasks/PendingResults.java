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

  /** Takes a returned result: checks it and hands it to the waiting task. */
  public Verdict accept(TaskResult result) {
    Pending p = pending.remove(result.assignmentId());
    if (p == null) {
      return new Verdict(
          false, "no task is waiting for assignment '" + result.assignmentId() + "'");
    }
    String rejection =
        ResultCheck.check(p.task(), p.expectedExecutor(), result.assignmentId(), result);
    p.future().complete(new Arrival(result, rejection));
    return rejection == null ? new Verdict(true, "") : new Verdict(false, rejection);
  }
}
