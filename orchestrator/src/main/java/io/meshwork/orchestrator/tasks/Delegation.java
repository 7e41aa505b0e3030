package io.meshwork.orchestrator.tasks;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.trust.Reputation;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Hands a task to a peer orchestrator, which runs it on its own executors and returns the result
 * with the executor's signed receipt, its price and its own signature over both; the result is
 * checked like any other, and the peer's signature with it. When the peer refuses or fails, the
 * task runs on this orchestrator's executors instead.
 *
 * <p>A signed, well-formed result can still be a fabrication: the peer, or an executor it vouches
 * for, may have lied. So a delegated result is audited as an executor's is: under {@code redundant}
 * always, under {@code sample} when the secret draw picks it, this orchestrator's own executors run
 * the task again, and a result they contradict is refused unpaid.
 */
final class Delegation {
  private static final Logger LOG = Logger.getLogger(Delegation.class.getName());

  private final PeerOrchestrators peers;
  // Delegations from here still open, per peer.
  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
  private final int maxOpenPerPeer;
  private final PendingResults pending;
  private final Supplier<String> resultEndpoint;
  private final Clock clock;
  private final AuditDraw draw;
  private final Reputation reputation;
  private final String selfDid;
  private final BooleanSupplier localExecutors;
  private final Duration probeInterval;

  Delegation(
      PeerOrchestrators peers,
      PendingResults pending,
      Supplier<String> resultEndpoint,
      Clock clock,
      int maxOpenPerPeer,
      AuditDraw draw,
      Reputation reputation,
      String selfDid,
      BooleanSupplier localExecutors,
      Duration probeInterval) {
    this.probeInterval = probeInterval;
    this.selfDid = selfDid;
    this.localExecutors = localExecutors;
    this.draw = draw;
    this.reputation = reputation;
    this.peers = peers;
    this.maxOpenPerPeer = maxOpenPerPeer;
    this.pending = pending;
    this.resultEndpoint = resultEndpoint;
    this.clock = clock;
  }

  /**
   * Runs {@code task} on {@code peer} for at most its slice of the budget (its {@code maxPrice},
   * and never more than the budget left), reserved before the peer is asked; when the peer refuses,
   * fails, charges outside the slice, or already has as many open delegations from here as allowed,
   * falls back to {@code local} with {@code fallBack}, else fails with {@link TaskFailedException}
   * {@code DELEGATION_FAILED} saying why (for a caller that places the task elsewhere itself).
   */
  TaskOutcome run(
      TaskSpec task, String peer, TaskControl control, Verification local, boolean fallBack) {
    TaskPipeline.checkStopped(task, control);
    long slice = Math.min(control.budgetLeft(), task.maxPrice());
    AtomicInteger openToPeer = open.computeIfAbsent(peer, k -> new AtomicInteger());
    if (slice <= 0 || openToPeer.incrementAndGet() > maxOpenPerPeer) {
      openToPeer.decrementAndGet();
      return otherwise(task, control, local, fallBack, "no slice of the budget or too many open");
    }
    if (!control.reserve(slice)) {
      openToPeer.decrementAndGet();
      return otherwise(task, control, local, fallBack, "the slice no longer fits the budget");
    }
    long reserved = slice;
    String delegationId = "delegation-" + UUID.randomUUID();
    CompletableFuture<PendingResults.Arrival> arrival = pending.expectDelegated(delegationId, task);
    try {
      PeerOrchestrators.Delegated response =
          peers.delegate(
              peer,
              TaskPacket.of(task, true, clock.millis()).withMaxPrice(slice).through(selfDid),
              resultEndpoint.get(),
              delegationId);
      if (!response.accepted()) {
        throw new AttemptFailed("the peer refused the task: " + response.reason(), false);
      }
      control.assigned(delegationId, () -> {});
      TaskResult result = await(task, control, arrival, peer, delegationId);
      // The result's signer returned it (PendingResults checks that); it must also be the peer
      // this task was handed to, as that peer's certificate proved, not another peer.
      if (!response.provedDid().isEmpty() && !response.provedDid().equals(result.workerId())) {
        throw new AttemptFailed(
            "the result was signed and returned by "
                + result.workerId()
                + ", not by "
                + response.provedDid()
                + ", the peer the task was delegated to",
            false);
      }
      long charged = result.price();
      if (charged <= 0 || charged > slice) {
        throw new AttemptFailed(
            "the peer charges "
                + Long.toUnsignedString(charged)
                + ", outside the 1 to "
                + slice
                + " mana it was given",
            false);
      }
      // What the peer charges stays reserved until settlement pays it; the rest goes back.
      control.unreserve(slice - charged);
      reserved = 0;
      byte[] bytes = result.data();
      return audited(
          task,
          control,
          local,
          new TaskOutcome(
              task,
              bytes,
              Cid.of(bytes),
              result.receipts().get(0),
              charged,
              result.workerId(),
              List.of(),
              true,
              result.subtree()));
    } catch (AttemptFailed | RemoteCallFailed e) {
      pending.forget(delegationId);
      control.unreserve(reserved);
      reserved = 0;
      LOG.info(
          () ->
              "delegation of "
                  + task.taskId()
                  + " to "
                  + peer
                  + " failed ("
                  + e.getMessage()
                  + ")");
      return otherwise(task, control, local, fallBack, e.getMessage());
    } finally {
      if (reserved > 0) {
        // Stopped or failed in some other way: the slice is not spent.
        control.unreserve(reserved);
      }
      openToPeer.decrementAndGet();
      control.unassigned(delegationId);
      // Stopped or given up: the delegation is no longer awaited, as GetDelegation then says.
      pending.forget(delegationId);
    }
  }

  private static TaskOutcome otherwise(
      TaskSpec task, TaskControl control, Verification local, boolean fallBack, String why) {
    if (fallBack) {
      return local.run(task, control);
    }
    throw new TaskFailedException("DELEGATION_FAILED", why);
  }

  /**
   * The peer's outcome, or, when an audit by this orchestrator's own executors contradicts it, the
   * audit's: the peer is then recorded as caught and its charge released unpaid.
   */
  private TaskOutcome audited(
      TaskSpec task, TaskControl control, Verification local, TaskOutcome delegated) {
    String peer = delegated.workerDid();
    // The task runs again here whole, a range the peer split as well: a module's results do not
    // depend on how its input was cut (its merge of the parts' results is the result of the
    // whole), so the two must agree. With no executors here there is nothing to audit with.
    boolean audit =
        localExecutors.getAsBoolean()
            && switch (task.verification()) {
              case REDUNDANT -> true;
              case SAMPLE -> draw.audits(task.taskId(), reputation.sampleRate(peer));
              default -> false;
            };
    if (!audit) {
      return delegated;
    }
    TaskOutcome check;
    try {
      check = local.run(task, control);
    } catch (TaskFailedException e) {
      if ("CANCELLED".equals(e.reason())) {
        throw e;
      }
      // As for an executor's result: with no audit to be had, the result stands unaudited.
      LOG.info(() -> "no audit of " + task.taskId() + " from " + peer + ": " + e.getMessage());
      return delegated;
    }
    if (check.resultCid().equals(delegated.resultCid())) {
      reputation.verified(peer);
      List<TaskOutcome.Paid> paid = new ArrayList<>(delegated.alsoPaid());
      paid.add(new TaskOutcome.Paid(check.receipt(), check.price()));
      paid.addAll(check.alsoPaid());
      return new TaskOutcome(
          task,
          delegated.result(),
          delegated.resultCid(),
          delegated.receipt(),
          delegated.price(),
          peer,
          paid,
          true,
          delegated.subtree());
    }
    reputation.caught(
        peer, "its result for " + task.taskId() + " was contradicted by this orchestrator's audit");
    control.unreserve(delegated.price());
    LOG.warning(
        () ->
            "the delegated result of "
                + task.taskId()
                + " from "
                + peer
                + " was contradicted by an audit here; it is not paid");
    return check;
  }

  /**
   * Waits for the peer's result until the task's deadline. Meanwhile the peer is asked every {@code
   * probe-interval} whether it still runs the task (GetDelegation), as executors running a task are
   * probed: a peer that says it does not (it restarted and dropped the task, or never had it), two
   * refused connections in a row (its process is gone), or six probes in a row without an answer
   * fail the attempt, and the task is placed elsewhere long before its deadline.
   */
  private TaskResult await(
      TaskSpec task,
      TaskControl control,
      CompletableFuture<PendingResults.Arrival> arrival,
      String peer,
      String delegationId) {
    long waitMillis = task.deadlineMillis() - clock.millis();
    long now = System.nanoTime();
    long until = now + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
    boolean probing = !probeInterval.isZero();
    long nextProbe = now + probeInterval.toNanos();
    int refused = 0;
    int unanswered = 0;
    while (true) {
      TaskPipeline.checkStopped(task, control);
      now = System.nanoTime();
      long left = until - now;
      if (left <= 0) {
        throw new AttemptFailed("no result from the peer within " + waitMillis + " ms", false);
      }
      if (probing && now >= nextProbe && !arrival.isDone()) {
        nextProbe = now + probeInterval.toNanos();
        try {
          PeerOrchestrators.DelegationState state = peers.delegationState(peer, delegationId);
          refused = 0;
          unanswered = 0;
          // The result may have arrived while the peer was answering: it forgets a delegation
          // only once its result was returned.
          if (state != PeerOrchestrators.DelegationState.RUNNING && !arrival.isDone()) {
            throw new AttemptFailed(
                "the peer no longer runs the task (it says " + state + ")", false);
          }
        } catch (RemoteCallFailed e) {
          if (e.refusedConnection()) {
            refused++;
          } else {
            unanswered++;
          }
          if (refused >= 2 || unanswered >= 6) {
            throw new AttemptFailed(
                "the peer stopped answering while running the task (" + e.status() + ")", false);
          }
        }
      }
      if (probing) {
        left = Math.min(left, Math.max(1, nextProbe - now));
      }
      try {
        PendingResults.Arrival a =
            arrival.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
        if (a.rejection() != null) {
          throw new AttemptFailed("result rejected: " + a.rejection(), false);
        }
        return a.result();
      } catch (TimeoutException e) {
        // Look at the cancel flag and the probes again.
      } catch (ExecutionException e) {
        throw new AttemptFailed(e.getCause().getMessage(), false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted");
      }
    }
  }
}
