package io.meshwork.orchestrator.tasks;

import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.tracing.Spans;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * Places a task until one executor returns a result that passes the checks: auction, attempt, and
 * on failure another auction without the executors already tried, up to the job's {@code
 * retry_count}. A BUSY refusal or a withdrawal for work stealing is no failure and costs no
 * attempt.
 */
final class Placer {
  // Placements of one task that an executor never acknowledged, before they count as attempts.
  private static final int MAX_UNACKNOWLEDGED = 8;
  private static final Logger LOG = Logger.getLogger(Placer.class.getName());

  private final Auction auction;
  private final Assigner assigner;
  private final ExecutorLoad load;
  private final WorkStealing stealing;
  private final Reputation reputation;
  private final Clock clock;

  Placer(
      Auction auction,
      Assigner assigner,
      ExecutorLoad load,
      WorkStealing stealing,
      Reputation reputation,
      Clock clock) {
    this.auction = auction;
    this.assigner = assigner;
    this.load = load;
    this.stealing = stealing;
    this.reputation = reputation;
    this.clock = clock;
  }

  /**
   * One accepted run of the task. Each failed attempt excludes its executor and counts against the
   * retry budget.
   *
   * @param claimed DIDs that may not take this placement (they failed it, or already run another
   *     replica of it); the winner is added
   * @param role which run of the task this is, for the placement record
   * @param commitFirst the executor returns only the result's hash until asked to reveal it
   */
  Run place(
      TaskSpec task, TaskControl control, Set<String> claimed, String role, boolean commitFirst) {
    List<String> failures = new ArrayList<>();
    int placement = 0;
    int unacknowledged = 0;
    String stolenFrom = null;
    String slotClaim = null;
    try {
      for (int attempt = 0; attempt <= task.retryCount(); attempt++) {
        TaskPipeline.checkStopped(task, control);
        int round = placement++;
        String stolen = stolenFrom;
        Auction.Winner winner =
            Spans.call("auction", () -> auction.run(task, control, claimed, role, round, stolen));
        stolenFrom = null;
        String assignmentId = UUID.randomUUID().toString();
        String did = winner.bid().did();
        load.assigned(did);
        // Placed again: the slot promised while it was withdrawn is now counted as in flight.
        stealing.release(slotClaim);
        slotClaim = null;
        boolean refusedBusy = false;
        try {
          Run run = assigner.attempt(task, control, winner, assignmentId, commitFirst);
          reputation.completed(did);
          return run;
        } catch (AttemptFailed.Busy e) {
          refusedBusy = true;
          // Several tasks may win the same executor's bids at once; the overflow is refused as
          // busy. That is no fault of the executor's, so the task goes back to auction, without
          // spending an attempt, once one of this orchestrator's tasks has left an executor (or
          // after ten back-off periods); the job's deadline still bounds it.
          control.unreserve(winner.bid().price());
          claimed.remove(did);
          control.placed(
              winner
                  .placement()
                  .withOutcome(
                      e.draining
                          ? "the executor is draining; auctioned again"
                          : "the executor was full at assignment; auctioned again"));
          attempt--;
          if (clock.millis() >= task.deadlineMillis()) {
            throw new TaskFailedException(
                "TIMED_OUT",
                "task " + task.taskId() + " found no free executor before the job's deadline");
          }
        } catch (AttemptFailed.Withdrawn e) {
          // Taken back from a queue while another executor sits idle: not a failure either. The
          // busy executor is passed over in the next auction if anyone else bids, and stays
          // eligible otherwise (it may be the only one left).
          control.unreserve(winner.bid().price());
          claimed.remove(did);
          stolenFrom = did;
          slotClaim = e.idleDid;
          control.placed(winner.placement().withOutcome(e.getMessage()));
          attempt--;
        } catch (AttemptFailed.Unacknowledged | AttemptFailed.ExecutorLost e) {
          // An executor that never acknowledged, or that membership lost while it ran the task,
          // is a fault of that executor or the network (an overloaded machine, a cut link), not
          // of the task: the task is placed again without spending a retry the job asked for, so
          // that a job of a thousand chunks does not fail on one hiccup. The executor is passed
          // over while anyone else bids; the tries end after
          // MAX_UNACKNOWLEDGED of them, or at the job's deadline.
          control.unreserve(winner.bid().price());
          failures.add(did + ": " + e.getMessage());
          reputation.failed(did);
          control.placed(
              winner.placement().withOutcome("failed: " + e.getMessage() + "; placed again"));
          LOG.info(() -> "task " + task.taskId() + " was not finished by " + did + ": " + e);
          if (++unacknowledged < MAX_UNACKNOWLEDGED) {
            claimed.remove(did);
            stolenFrom = did;
            attempt--;
          }
          if (clock.millis() >= task.deadlineMillis()) {
            throw new TaskFailedException(
                "TIMED_OUT",
                "task "
                    + task.taskId()
                    + " found no executor that kept it before the job's deadline: "
                    + String.join("; ", failures));
          }
        } catch (AttemptFailed e) {
          control.unreserve(winner.bid().price());
          failures.add(did + ": " + e.getMessage());
          if (e.lied) {
            reputation.caught(did, e.getMessage());
          } else if (e.lost) {
            reputation.failed(did);
          }
          control.placed(winner.placement().withOutcome("failed: " + e.getMessage()));
          LOG.info(() -> "task " + task.taskId() + " attempt failed on " + did + ": " + e);
        } finally {
          load.left(did, !refusedBusy);
        }
        if (refusedBusy) {
          load.awaitFreedSlot(task, control);
        }
      }
    } finally {
      stealing.release(slotClaim);
    }
    throw new TaskFailedException(
        "ATTEMPTS_EXHAUSTED",
        "task "
            + task.taskId()
            + " failed on every executor tried ("
            + (task.retryCount() + 1)
            + " attempts): "
            + String.join("; ", failures));
  }
}
