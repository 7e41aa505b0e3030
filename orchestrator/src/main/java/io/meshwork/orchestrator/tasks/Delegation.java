package io.meshwork.orchestrator.tasks;

import io.meshwork.content.Cid;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Hands a task to a peer orchestrator, which runs it on its own executors and returns the result
 * with the executor's signed receipt and its price; the result is checked like any other. When the
 * peer refuses or fails, the task runs on this orchestrator's executors instead.
 */
final class Delegation {
  private static final Logger LOG = Logger.getLogger(Delegation.class.getName());

  private final PeerOrchestrators peers;
  private final PendingResults pending;
  private final Supplier<String> resultEndpoint;
  private final Clock clock;

  Delegation(
      PeerOrchestrators peers,
      PendingResults pending,
      Supplier<String> resultEndpoint,
      Clock clock) {
    this.peers = peers;
    this.pending = pending;
    this.resultEndpoint = resultEndpoint;
    this.clock = clock;
  }

  /**
   * Runs {@code task} on {@code peer}, for at most the budget left; falls back to {@code local}
   * when the peer refuses, fails or charges more than that.
   */
  TaskOutcome run(TaskSpec task, String peer, TaskControl control, Verification local) {
    TaskPipeline.checkStopped(task, control);
    long price = control.budgetLeft();
    String delegationId = "delegation-" + UUID.randomUUID();
    CompletableFuture<PendingResults.Arrival> arrival = pending.expect(delegationId, task, null);
    try {
      PeerOrchestrators.Delegated response =
          peers.delegate(
              peer,
              TaskPacket.of(task, true, clock.millis()).withMaxPrice(price),
              resultEndpoint.get(),
              delegationId);
      if (!response.accepted()) {
        throw new AttemptFailed("the peer refused the task: " + response.reason(), false);
      }
      control.assigned(delegationId, () -> {});
      TaskResult result = await(task, control, arrival);
      long charged = result.price();
      if (!control.reserve(charged)) {
        throw new AttemptFailed(
            "the peer charges " + charged + ", more than the budget left", false);
      }
      byte[] bytes = result.data();
      return new TaskOutcome(
          task, bytes, Cid.of(bytes), result.receipts().get(0), charged, result.workerId());
    } catch (AttemptFailed | RemoteCallFailed e) {
      pending.forget(delegationId);
      LOG.info(
          () ->
              "delegation of "
                  + task.taskId()
                  + " to "
                  + peer
                  + " failed ("
                  + e.getMessage()
                  + "); running it here");
      return local.run(task, control);
    } finally {
      control.unassigned(delegationId);
    }
  }

  private TaskResult await(
      TaskSpec task, TaskControl control, CompletableFuture<PendingResults.Arrival> arrival) {
    long waitMillis = task.deadlineMillis() - clock.millis();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
    while (true) {
      TaskPipeline.checkStopped(task, control);
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw new AttemptFailed("no result from the peer within " + waitMillis + " ms", false);
      }
      try {
        PendingResults.Arrival a =
            arrival.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
        if (a.rejection() != null) {
          throw new AttemptFailed("result rejected: " + a.rejection(), false);
        }
        return a.result();
      } catch (TimeoutException e) {
        // Look at the cancel flag again.
      } catch (ExecutionException e) {
        throw new AttemptFailed(e.getCause().getMessage(), false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted");
      }
    }
  }
}
