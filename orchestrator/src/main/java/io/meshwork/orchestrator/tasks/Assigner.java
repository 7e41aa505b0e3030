package io.meshwork.orchestrator.tasks;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One attempt on an auction's winner: assign the task (retrying while the executor does not
 * acknowledge), then wait for the result, probing the executor meanwhile, and hand back the run
 * once its result passed the checks.
 *
 * <p>An assignment of a chunk by reference carries a URL presigned for the chunk's range when the
 * store can make one and presigning is on. It is presigned here, per attempt, rather than when the
 * input is cut, so that no job, however long, hands out a URL that has expired; and it is valid for
 * as long as this attempt waits for its result, since no executor can use the chunk after that.
 */
final class Assigner {
  private static final Logger LOG = Logger.getLogger(Assigner.class.getName());
  private static final Duration PROBE_DEADLINE = Duration.ofSeconds(2);
  // With probes off, how often the queue is still looked at for work stealing.
  private static final Duration IDLE_CHECK = Duration.ofMillis(250);
  // Beyond the wait, so that clocks a little apart (this one, the store's, the executor's) do not
  // make a URL expire while it is still needed.
  private static final Duration URL_CLOCK_SLACK = Duration.ofMinutes(1);
  // The longest an S3 signature (SigV4) may be valid.
  private static final Duration URL_MAX_VALIDITY = Duration.ofDays(7);

  private final ExecutorFleet fleet;
  private final PendingResults pending;
  private final WorkStealing stealing;
  private final Supplier<String> resultEndpoint;
  private final ChunkUrls chunkUrls;
  private final Clock clock;
  private final Duration t2;
  private final int n3;
  private final Duration probeInterval;
  private final Duration stealAfter;
  private final Duration inlineWait;
  private final long resultGraceMillis;

  Assigner(
      ExecutorFleet fleet,
      PendingResults pending,
      WorkStealing stealing,
      Supplier<String> resultEndpoint,
      ChunkUrls chunkUrls,
      Clock clock,
      TaskPipeline.Options options) {
    this.fleet = fleet;
    this.pending = pending;
    this.stealing = stealing;
    this.resultEndpoint = resultEndpoint;
    this.chunkUrls = options.presignChunkUrls() ? chunkUrls : ChunkUrls.NONE;
    this.clock = clock;
    this.t2 = options.t2();
    this.n3 = options.n3();
    this.probeInterval = options.probeInterval();
    this.stealAfter = options.stealAfter();
    this.inlineWait = options.inlineWait();
    this.resultGraceMillis = options.resultGrace().toMillis();
  }

  /**
   * Assigns the task to the winner and waits for a result that passes the checks.
   *
   * @throws AttemptFailed when this executor will not deliver it (including {@link
   *     AttemptFailed.Busy} and {@link AttemptFailed.Withdrawn})
   * @throws TaskFailedException when the job was stopped meanwhile
   */
  Run attempt(
      TaskSpec task,
      TaskControl control,
      Auction.Winner winner,
      String assignmentId,
      boolean commitFirst) {
    Bid bid = winner.bid();
    CompletableFuture<PendingResults.Arrival> arrival =
        pending.expect(assignmentId, task, bid.did());
    try {
      AssignAnswer ack = assign(task, bid, assignmentId, commitFirst);
      if (ack.inlineResult() != null) {
        // Answered within the inline wait: checked exactly as a delivered result would be.
        if (!assignmentId.equals(ack.inlineResult().assignmentId())) {
          throw new AttemptFailed(
              "the executor answered with the result of another assignment", false, true);
        }
        // It came on the call made to the winner, so the winner is its sender.
        pending.accept(ack.inlineResult(), PendingResults.Sender.executor(bid.did()));
      }
      control.assigned(assignmentId, () -> bid.executor().cancel(assignmentId));
      TaskResult result = await(task, control, arrival, bid, assignmentId, ack.queued());
      byte[] bytes = commitFirst ? null : result.data();
      return new Run(winner, assignmentId, result, bytes);
    } catch (AttemptFailed | TaskFailedException e) {
      // Whatever ended the attempt without a result (a failure, or the job's cancel seen by the
      // wait loop first), the executor is told to stop: nobody will take its result. One that
      // refused the task as busy never took it, unless an earlier try of the same assignment
      // timed out and may have been taken after all.
      pending.forget(assignmentId);
      if (!(e instanceof AttemptFailed.Busy busy) || busy.afterRetry) {
        bid.executor().cancel(assignmentId);
      }
      throw e;
    } finally {
      control.unassigned(assignmentId);
    }
  }

  private AssignAnswer assign(TaskSpec task, Bid winner, String assignmentId, boolean commitFirst) {
    ChunkUrl url = chunkUrl(task);
    Assignment assignment =
        new Assignment(
            task.taskId(),
            winner.did(),
            assignmentId,
            clock.millis(),
            winner.price(),
            TaskPacket.of(task, !winner.offer().moduleCached(), clock.millis()).withChunkUrl(url),
            resultEndpoint.get(),
            commitFirst,
            (int) inlineWait.toMillis());
    RemoteCallFailed last = null;
    for (int attempt = 0; attempt <= n3; attempt++) {
      try {
        AssignAnswer ack =
            winner.executor().assign(assignment, t2.multipliedBy(2).plus(inlineWait));
        if (ack.accepted()) {
          return ack;
        }
        // A draining executor took nothing, as a full one did not: the task goes elsewhere and
        // nobody is at fault.
        if ("BUSY".equals(ack.reasonCode()) || "DRAINING".equals(ack.reasonCode())) {
          throw new AttemptFailed.Busy(
              ack.reason(), attempt > 0, "DRAINING".equals(ack.reasonCode()));
        }
        if ("MODULE_MISSING".equals(ack.reasonCode())) {
          // The executor evicted the module since it bid; send the bytes this time.
          assignment =
              assignment.withTask(TaskPacket.of(task, true, clock.millis()).withChunkUrl(url));
          continue;
        }
        throw new AttemptFailed("the executor refused the assignment: " + ack.reason(), true);
      } catch (RemoteCallFailed e) {
        last = e;
      }
    }
    throw new AttemptFailed.Unacknowledged(
        "no acknowledgement after " + (n3 + 1) + " tries: " + (last == null ? "" : last.status()));
  }

  /**
   * A URL the executor may read {@code task}'s chunk from, valid for as long as this attempt waits
   * for its result (and a minute's slack for clocks apart); null for an inline chunk, a store that
   * cannot presign, or presigning turned off. A presign that fails costs only the shortcut: the
   * executor downloads the chunk from the blob service, as it always may.
   */
  private ChunkUrl chunkUrl(TaskSpec task) {
    Chunk chunk = task.chunk();
    if (chunk.inline()) {
      return null;
    }
    Duration validFor =
        Duration.ofMillis(Math.max(0, resultWaitMillis(task))).plus(URL_CLOCK_SLACK);
    if (validFor.compareTo(URL_MAX_VALIDITY) > 0) {
      validFor = URL_MAX_VALIDITY;
    }
    try {
      return chunkUrls
          .presign(chunk.blobCid(), chunk.offset(), chunk.size(), validFor)
          .orElse(null);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "could not presign a URL for "
              + chunk
              + "; its executor downloads it from the blob service",
          e);
      return null;
    }
  }

  /**
   * How long an attempt waits for its result: until the job's deadline, or twice the task's
   * wall-time limit and the result grace, whichever comes first.
   */
  private long resultWaitMillis(TaskSpec task) {
    return Math.min(
        task.deadlineMillis() - clock.millis(),
        task.limits().wallTimeMs() * 2L + resultGraceMillis);
  }

  /**
   * Waits for the assignment's result. Meanwhile the executor is probed every {@code
   * probe-interval}: two refused connections in a row, or six probes in a row without an answer
   * within 2 s, fail the attempt (the executor crashed, hangs or lost its network), and a task
   * still queued there after {@code steal-after} while another executor has a free slot is
   * withdrawn so that the idle executor can take it. Independently of the probes, an executor that
   * membership declares lost (its heartbeats stopped) fails the attempt at once.
   */
  private TaskResult await(
      TaskSpec task,
      TaskControl control,
      CompletableFuture<PendingResults.Arrival> arrival,
      Bid bid,
      String assignmentId,
      boolean queued) {
    long waitMillis = resultWaitMillis(task);
    long started = System.nanoTime();
    long until = started + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
    boolean probing = !probeInterval.isZero();
    long checkEvery = (probing ? probeInterval : IDLE_CHECK).toNanos();
    long nextProbe = started + checkEvery;
    int refused = 0;
    int slow = 0;
    while (true) {
      if (control.stopped()) {
        throw new TaskFailedException("CANCELLED", "task " + task.taskId() + " was stopped");
      }
      long now = System.nanoTime();
      if (now >= until) {
        throw new AttemptFailed("no result within " + waitMillis + " ms", true);
      }
      if (fleet.lost(bid.did())) {
        throw new AttemptFailed.ExecutorLost(
            "the executor " + bid.did() + " was lost (its heartbeats stopped) while running it");
      }
      if (now >= nextProbe) {
        nextProbe = now + checkEvery;
        try {
          if (probing) {
            bid.executor().capacity(PROBE_DEADLINE);
          }
          refused = 0;
          slow = 0;
        } catch (RemoteCallFailed e) {
          // A dead process refuses connections at once: two in a row settle it. A slow answer may
          // just be a loaded machine, so it takes many more.
          if (e.refusedConnection()) {
            refused++;
          } else {
            slow++;
          }
          if (refused >= 2 || slow >= 6) {
            throw new AttemptFailed(
                "the executor stopped answering while running the task (" + e.status() + ")", true);
          }
        }
        if (queued && now - started >= stealAfter.toNanos()) {
          ExecutorCapacity idle = stealing.claimIdleSlot(bid.executor());
          if (idle != null) {
            if (bid.executor().withdraw(assignmentId)) {
              pending.forget(assignmentId);
              throw new AttemptFailed.Withdrawn(
                  "withdrawn from "
                      + bid.did()
                      + "'s queue: "
                      + idle.executorDid()
                      + " had a free slot (work stealing)",
                  idle.executorDid());
            }
            stealing.release(idle.executorDid());
          }
          queued = idle == null;
        }
      }
      long left = Math.min(until, nextProbe) - now;
      try {
        PendingResults.Arrival a =
            arrival.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
        if (a.rejection() != null) {
          // A module failure the executor reports (a trap, a limit) is no fault of its own; a
          // result that contradicts its own signed receipt is.
          throw new AttemptFailed(
              "result rejected: " + a.rejection(), false, !a.result().reportedFailure());
        }
        return a.result();
      } catch (TimeoutException e) {
        // Loop to look at the cancel flag, the deadline and the probes again.
      } catch (ExecutionException e) {
        throw new AttemptFailed(e.getCause().getMessage(), true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted while waiting for " + assignmentId);
      }
    }
  }
}
