package io.meshwork.orchestrator.tasks;

import io.meshwork.runtime.tracing.Spans;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

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

  /**
   * @param expectedExecutor the executor the task was assigned to; null for a delegation
   */
  private record Pending(
      TaskSpec task, String expectedExecutor, CompletableFuture<Arrival> future) {
    boolean delegated() {
      return expectedExecutor == null;
    }
  }

  /**
   * Who returned a result, as the call authenticated it.
   *
   * @param did its identity
   * @param peer whether it is a peer orchestrator of this one ({@code auth.peers}): only a peer
   *     returns a delegated task's result
   */
  public record Sender(String did, boolean peer) {
    /** The executor a result came from on the assignment call itself. */
    static Sender executor(String did) {
      return new Sender(did, false);
    }
  }

  /** The verdict on a returned result. */
  public record Verdict(boolean verified, String reason) {}

  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  /** Waits for the result of an assignment to {@code executor}. */
  CompletableFuture<Arrival> expect(String assignmentId, TaskSpec task, String executor) {
    CompletableFuture<Arrival> future = new CompletableFuture<>();
    pending.put(assignmentId, new Pending(task, executor, future));
    return future;
  }

  /**
   * Waits for the result of a delegation: whoever returns it must be a peer, and the delegate that
   * signs it.
   */
  CompletableFuture<Arrival> expectDelegated(String delegationId, TaskSpec task) {
    return expect(delegationId, task, null);
  }

  /**
   * Whether {@code executor} holds an assignment, not yet answered, of a task of {@code moduleCid}:
   * only such an executor may fetch the module's bytes.
   */
  public boolean assignsModule(String executor, String moduleCid) {
    return assigns(executor, task -> moduleCid.equals(task.moduleCid()));
  }

  /**
   * Whether {@code executor} holds an assignment, not yet answered, of a task of job {@code jobId}:
   * only such an executor may read the job's blobs.
   */
  public boolean assignsJob(String executor, String jobId) {
    return assigns(executor, task -> jobId.equals(task.jobId()));
  }

  /** Whether {@code executor} holds an unanswered assignment of a task that {@code which} takes. */
  private boolean assigns(String executor, Predicate<TaskSpec> which) {
    for (Pending p : pending.values()) {
      if (executor.equals(p.expectedExecutor()) && which.test(p.task())) {
        return true;
      }
    }
    return false;
  }

  /** Whether a delegation from here under {@code delegationId} still awaits its result. */
  public boolean awaitsDelegation(String delegationId) {
    Pending p = pending.get(delegationId);
    return p != null && p.delegated();
  }

  void forget(String assignmentId) {
    pending.remove(assignmentId);
  }

  /**
   * Takes a result that {@code from} returned: checks it and hands it to the waiting task. Only the
   * executor the task was assigned to may return its result, and only a peer that signs it as the
   * delegate a delegated task's; one from anybody else is refused and leaves the task waiting for
   * the real one, so it counts against nobody.
   */
  public Verdict accept(TaskResult result, Sender from) {
    Pending p = pending.get(result.assignmentId());
    if (p == null) {
      return new Verdict(
          false, "no task is waiting for assignment '" + result.assignmentId() + "'");
    }
    String sender = from.did();
    if (p.delegated() && !from.peer()) {
      return new Verdict(
          false,
          "'"
              + result.assignmentId()
              + "' is a delegation, whose result only a peer orchestrator returns, not "
              + sender);
    }
    if (p.delegated() && !sender.equals(result.workerId())) {
      return new Verdict(
          false,
          "the result of delegation '"
              + result.assignmentId()
              + "' names "
              + result.workerId()
              + " as its worker, but "
              + sender
              + " returned it");
    }
    if (!p.delegated() && !p.expectedExecutor().equals(sender)) {
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
        Spans.call(
            "verification",
            () -> ResultCheck.check(p.task(), p.expectedExecutor(), result.assignmentId(), result));
    p.future().complete(new Arrival(result, rejection));
    return rejection == null ? new Verdict(true, "") : new Verdict(false, rejection);
  }
}
