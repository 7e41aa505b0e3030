package io.meshwork.orchestrator.tasks;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.DelegateTaskResponse;
import io.meshwork.content.Cid;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.mesh.v1.MeshJobParams;
import io.meshwork.orchestrator.mesh.ExecutorFleet;
import io.meshwork.orchestrator.mesh.ExecutorHandle;
import io.meshwork.orchestrator.mesh.PeerOrchestrators;
import io.meshwork.runtime.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Places one task on the mesh as RFC 0016 describes: announce to the executors, collect bids until
 * T2 (rebroadcasting every T1, up to N1 times, while none come), select by policy, assign (retrying
 * up to N3 times when the executor does not acknowledge), and wait for the result. A failed,
 * timed-out or rejected attempt goes to a different executor, up to the job's {@code retry_count}.
 *
 * <p>Timings come from settings {@code rfc0016.t1-ms} (500), {@code rfc0016.t2-ms} (1000), {@code
 * rfc0016.n1} (3) and {@code rfc0016.n3} (2).
 */
public final class TaskPipeline {
  private static final Logger LOG = Logger.getLogger(TaskPipeline.class.getName());

  private final ExecutorFleet fleet;
  private final PeerOrchestrators peers;
  private final BidSelectionPolicy policy;
  private final PendingResults pending;
  private final String originatorDid;
  private final Supplier<String> resultEndpoint;
  private final Clock clock;
  private final ExecutorService calls;
  private final Duration t1;
  private final Duration t2;
  private final int n1;
  private final int n3;
  private final Duration busyBackoff;

  /**
   * Creates the pipeline.
   *
   * @param resultEndpoint this orchestrator's address as executors and peers reach it
   * @param calls runs blocking calls to executors in parallel (virtual threads)
   */
  public TaskPipeline(
      ExecutorFleet fleet,
      PeerOrchestrators peers,
      BidSelectionPolicy policy,
      PendingResults pending,
      Settings settings,
      String originatorDid,
      Supplier<String> resultEndpoint,
      Clock clock,
      ExecutorService calls) {
    this.fleet = fleet;
    this.peers = peers;
    this.policy = policy;
    this.pending = pending;
    this.originatorDid = originatorDid;
    this.resultEndpoint = resultEndpoint;
    this.clock = clock;
    this.calls = calls;
    this.t1 = settings.duration("rfc0016.t1-ms", Duration.ofMillis(500));
    this.t2 = settings.duration("rfc0016.t2-ms", Duration.ofMillis(1000));
    this.n1 = settings.integer("rfc0016.n1", 3);
    this.n3 = settings.integer("rfc0016.n3", 2);
    this.busyBackoff = settings.duration("orchestrator.busy-backoff-ms", Duration.ofMillis(50));
  }

  /** Runs {@code task} on this orchestrator's executors. */
  public TaskOutcome runOnExecutors(TaskSpec task, TaskControl control) {
    Set<String> excluded = new HashSet<>();
    List<String> failures = new ArrayList<>();
    for (int attempt = 0; attempt <= task.retryCount(); attempt++) {
      checkStopped(task, control);
      Bid winner = auction(task, control, excluded);
      String assignmentId = UUID.randomUUID().toString();
      try {
        return attempt(task, control, winner, assignmentId);
      } catch (ExecutorBusy e) {
        // Several tasks may win the same executor's bids at once; the overflow is refused as
        // busy. That is no fault of the executor's, so the task goes back to auction after a
        // short pause without spending an attempt (the job's deadline still bounds it).
        control.unreserve(winner.offer().getPrice());
        attempt--;
        if (clock.millis() >= task.deadlineMillis()) {
          throw new TaskFailedException(
              "TIMED_OUT",
              "task " + task.taskId() + " found no free executor before the job's deadline");
        }
        sleep(busyBackoff);
      } catch (AttemptFailed e) {
        control.unreserve(winner.offer().getPrice());
        excluded.add(winner.executor().endpoint());
        failures.add(winner.offer().getExecutorDid() + ": " + e.getMessage());
        LOG.info(
            () ->
                "task "
                    + task.taskId()
                    + " attempt failed on "
                    + winner.executor().endpoint()
                    + ": "
                    + e.getMessage());
      }
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

  /**
   * Runs {@code task} on the peer orchestrator {@code peer} (which runs it on its own executors);
   * falls back to this orchestrator's executors when the peer refuses or fails.
   */
  public TaskOutcome runDelegated(TaskSpec task, String peer, TaskControl control) {
    checkStopped(task, control);
    long price = control.budgetLeft();
    String delegationId = "delegation-" + UUID.randomUUID();
    CompletableFuture<PendingResults.Arrival> arrival = pending.expect(delegationId, task, null);
    try {
      ComputeTaskPacket packet = packet(task, true).toBuilder().setMaxPrice(price).build();
      DelegateTaskResponse response =
          peers.delegate(
              peer,
              DelegateTaskRequest.newBuilder()
                  .setTask(packet)
                  .setReplyTo(resultEndpoint.get())
                  .setRequestId(delegationId)
                  .build());
      if (!response.getAccepted()) {
        throw new AttemptFailed("the peer refused the task: " + response.getReason());
      }
      control.assigned(delegationId, () -> {});
      ComputeTaskResult result = await(task, control, arrival, delegationId);
      long charged = result.getPrice();
      if (!control.reserve(charged)) {
        throw new AttemptFailed("the peer charges " + charged + ", more than the budget left");
      }
      return outcome(task, result, charged);
    } catch (AttemptFailed | StatusRuntimeException e) {
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
      return runOnExecutors(task, control);
    } finally {
      control.unassigned(delegationId);
    }
  }

  private TaskOutcome attempt(TaskSpec task, TaskControl control, Bid winner, String assignmentId) {
    CompletableFuture<PendingResults.Arrival> arrival =
        pending.expect(assignmentId, task, winner.offer().getExecutorDid());
    try {
      assign(task, winner, assignmentId);
      control.assigned(assignmentId, () -> winner.executor().cancel(assignmentId));
      ComputeTaskResult result = await(task, control, arrival, assignmentId);
      return outcome(task, result, winner.offer().getPrice());
    } catch (AttemptFailed e) {
      pending.forget(assignmentId);
      winner.executor().cancel(assignmentId);
      throw e;
    } finally {
      control.unassigned(assignmentId);
    }
  }

  private TaskOutcome outcome(TaskSpec task, ComputeTaskResult result, long price) {
    byte[] bytes = result.getResultData().toByteArray();
    return new TaskOutcome(
        task, bytes, Cid.of(bytes), result.getReceipts(0), price, result.getWorkerId());
  }

  /** Announces until at least one acceptable bid arrives, then reserves the winner's price. */
  private Bid auction(TaskSpec task, TaskControl control, Set<String> excluded) {
    Map<String, String> reasons = new LinkedHashMap<>();
    for (int round = 0; round <= n1; round++) {
      checkStopped(task, control);
      if (round > 0) {
        sleep(t1);
      }
      long budget = control.budgetLeft();
      List<Bid> bids = collectBids(task, budget, excluded, reasons);
      List<Bid> affordable = new ArrayList<>();
      for (Bid b : bids) {
        if (b.offer().getPrice() <= budget) {
          affordable.add(b);
        } else {
          reasons.put(
              b.offer().getExecutorDid(),
              "bid "
                  + b.offer().getPrice()
                  + " mana, above the "
                  + budget
                  + " the budget has left");
        }
      }
      while (!affordable.isEmpty()) {
        Optional<Bid> chosen = policy.select(affordable);
        if (chosen.isEmpty()) {
          break;
        }
        if (control.reserve(chosen.get().offer().getPrice())) {
          return chosen.get();
        }
        affordable.remove(chosen.get());
      }
    }
    throw new TaskFailedException(
        "NO_EXECUTOR",
        "no executor could take task "
            + task.taskId()
            + (reasons.isEmpty() ? ": no executor is known" : ": " + describe(reasons)));
  }

  private List<Bid> collectBids(
      TaskSpec task, long budget, Set<String> excluded, Map<String, String> reasons) {
    JobAnnouncementV1 announcement =
        JobAnnouncementV1.newBuilder()
            .setJobId(task.taskId())
            .setOriginatorDid(originatorDid)
            .setParams(
                MeshJobParams.newBuilder()
                    .setModuleCid(task.moduleCid())
                    .setInputSize(task.chunk().length)
                    .setInputCid(Cid.of(task.chunk()))
                    .setLimits(task.limits())
                    .setOperationType(task.operationType())
                    .setMaxPrice(budget)
                    .setTimeoutMs(task.limits().getWallTimeMs()))
            .setTimestamp(clock.millis())
            .setAnnouncementId(UUID.randomUUID().toString())
            .build();
    Map<ExecutorHandle, Future<AnnounceResponse>> answers = new LinkedHashMap<>();
    for (ExecutorHandle e : fleet.executors()) {
      if (excluded.contains(e.endpoint())) {
        reasons.put(e.endpoint(), "already failed this task");
        continue;
      }
      answers.put(e, calls.submit(() -> e.announce(announcement, t2)));
    }
    long until = System.nanoTime() + t2.toNanos();
    List<Bid> bids = new ArrayList<>();
    for (Map.Entry<ExecutorHandle, Future<AnnounceResponse>> a : answers.entrySet()) {
      String who = a.getKey().endpoint();
      try {
        AnnounceResponse r =
            a.getValue().get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r.hasBid()) {
          bids.add(new Bid(a.getKey(), r.getBid()));
        } else {
          reasons.put(who, r.getDecline().getReason() + " (" + r.getDecline().getMessage() + ")");
        }
      } catch (TimeoutException e) {
        a.getValue().cancel(true);
        reasons.put(who, "no bid within T2 (" + t2.toMillis() + " ms)");
      } catch (ExecutionException e) {
        reasons.put(who, "unreachable: " + e.getCause().getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted while collecting bids");
      }
    }
    return bids;
  }

  private void assign(TaskSpec task, Bid winner, String assignmentId) {
    AssignTaskRequest.Builder request =
        AssignTaskRequest.newBuilder()
            .setAssignment(
                AssignJobV1.newBuilder()
                    .setJobId(task.taskId())
                    .setExecutorDid(winner.offer().getExecutorDid())
                    .setAssignmentId(assignmentId)
                    .setTimestamp(clock.millis())
                    .setPrice(winner.offer().getPrice()))
            .setTask(packet(task, !winner.offer().getModuleCached()))
            .setResultEndpoint(resultEndpoint.get())
            .setRequestId(assignmentId);
    StatusRuntimeException last = null;
    for (int attempt = 0; attempt <= n3; attempt++) {
      try {
        AssignTaskResponse ack = winner.executor().assign(request.build(), t2.multipliedBy(2));
        if (ack.getAccepted()) {
          return;
        }
        if ("BUSY".equals(ack.getReasonCode())) {
          throw new ExecutorBusy(ack.getReason());
        }
        if ("MODULE_MISSING".equals(ack.getReasonCode())) {
          // The executor evicted the module since it bid; send the bytes this time.
          request.setTask(packet(task, true));
          continue;
        }
        throw new AttemptFailed("the executor refused the assignment: " + ack.getReason());
      } catch (StatusRuntimeException e) {
        last = e;
      }
    }
    throw new AttemptFailed(
        "no acknowledgement after "
            + (n3 + 1)
            + " tries: "
            + (last == null ? "" : last.getStatus()));
  }

  private ComputeTaskPacket packet(TaskSpec task, boolean withModule) {
    ComputeTaskPacket.Builder p =
        ComputeTaskPacket.newBuilder()
            .setTaskId(task.taskId())
            .setParentJobId(task.jobId())
            .setChunkIndex(task.chunkIndex())
            .setChunkData(ByteString.copyFrom(task.chunk()))
            .setWasmModuleHash(task.moduleCid())
            .setDelegationDepth(task.delegationDepth())
            .setTimeoutMs(
                (int)
                    Math.min(
                        Integer.MAX_VALUE, Math.max(0, task.deadlineMillis() - clock.millis())))
            .setLimits(task.limits())
            .setMaxPrice(task.maxPrice())
            .setVerificationMode(task.verification())
            .setExportName(task.exportName());
    if (withModule) {
      p.setWasmModule(ByteString.copyFrom(task.module()));
    }
    return p.build();
  }

  private ComputeTaskResult await(
      TaskSpec task,
      TaskControl control,
      CompletableFuture<PendingResults.Arrival> arrival,
      String assignmentId) {
    long waitMillis =
        Math.min(
            task.deadlineMillis() - clock.millis(), task.limits().getWallTimeMs() * 3L + 10_000);
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
    while (true) {
      if (control.stopped()) {
        throw new TaskFailedException("CANCELLED", "task " + task.taskId() + " was stopped");
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw new AttemptFailed("no result within " + waitMillis + " ms");
      }
      try {
        PendingResults.Arrival a =
            arrival.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
        if (a.rejection() != null) {
          throw new AttemptFailed("result rejected: " + a.rejection());
        }
        return a.result();
      } catch (TimeoutException e) {
        // Loop to look at the cancel flag again.
      } catch (ExecutionException e) {
        throw new AttemptFailed(e.getCause().getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted while waiting for " + assignmentId);
      }
    }
  }

  private static void checkStopped(TaskSpec task, TaskControl control) {
    if (control.stopped()) {
      throw new TaskFailedException("CANCELLED", "task " + task.taskId() + " was stopped");
    }
  }

  private static String describe(Map<String, String> reasons) {
    List<String> parts = new ArrayList<>();
    reasons.forEach((who, why) -> parts.add(who + ": " + why));
    return String.join("; ", parts);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TaskFailedException("CANCELLED", "interrupted");
    }
  }

  /** One attempt failed; the task moves on to another executor. */
  private static class AttemptFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AttemptFailed(String message) {
      super(message);
    }
  }

  /** The winning executor had no room left by the time the task was assigned. */
  private static final class ExecutorBusy extends AttemptFailed {
    private static final long serialVersionUID = 1L;

    ExecutorBusy(String message) {
      super(message);
    }
  }
}
