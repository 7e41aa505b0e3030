package io.meshwork.orchestrator.tasks;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.DelegateTaskResponse;
import io.meshwork.compute.v1.ExecutorRefusal;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.content.Cid;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.mesh.v1.MeshJobParams;
import io.meshwork.orchestrator.mesh.ExecutorFleet;
import io.meshwork.orchestrator.mesh.ExecutorHandle;
import io.meshwork.orchestrator.mesh.PeerOrchestrators;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.config.Settings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Places one task on the mesh as RFC 0016 describes and checks what comes back.
 *
 * <p>Per placement: announce to the executors, collect bids until T2 (rebroadcasting every T1, up
 * to N1 times, while none come), rank them with the {@link SelectionPolicy} (untrusted executors
 * and bids above the budget left are refused, each with its reason), assign (retrying up to N3
 * times when the executor does not acknowledge), and wait for the result. While waiting, the
 * executor is probed: one that stops answering fails the attempt at once instead of at the
 * deadline, and a task still queued there while another executor sits idle is withdrawn and placed
 * again (work stealing). A failed, timed-out or rejected attempt goes to a different executor, up
 * to the job's {@code retry_count}.
 *
 * <p>Per verification mode: {@code hash}, {@code merkle} and {@code none} take one result; {@code
 * redundant} runs the task on {@code redundancy} different executors that each commit to their
 * result's hash (the signed receipt) before any bytes are revealed, and accepts the strict
 * majority; {@code sample} re-runs a fraction of results elsewhere (falling as the executor's
 * verified record grows) and settles a disagreement with a third run. Only the executors whose
 * results the majority confirms are paid; the others lose reputation.
 *
 * <p>Settings: {@code rfc0016.t1-ms} (500), {@code rfc0016.t2-ms} (1000), {@code rfc0016.n1} (3),
 * {@code rfc0016.n3} (2), {@code orchestrator.probe-interval-ms} (500), {@code
 * orchestrator.steal-after-ms} (250), {@code orchestrator.result-grace-ms} (10000), {@code
 * orchestrator.inline-result-ms} (100: how long an executor may hold the assignment call to answer
 * a short task with its result, saving the separate delivery call; 0 turns it off).
 */
public final class TaskPipeline {
  private static final Logger LOG = Logger.getLogger(TaskPipeline.class.getName());
  private static final Duration PROBE_DEADLINE = Duration.ofSeconds(2);

  private final ExecutorFleet fleet;
  private final PeerOrchestrators peers;
  private final SelectionPolicy policy;
  private final Reputation reputation;
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
  private final Duration probeInterval;
  private final Duration stealAfter;
  private final Duration inlineWait;
  private final long resultGraceMillis;
  // Tasks this orchestrator has placed on each executor and not yet heard back about, by DID.
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  // Free slots promised to tasks withdrawn from a queue and not yet auctioned again, by DID: one
  // free slot must not draw every queued task of the mesh off its executor at once.
  private final Map<String, AtomicInteger> stealClaims = new ConcurrentHashMap<>();
  // Tasks refused as BUSY wait here for one of ours to leave an executor.
  private final ReentrantLock freedLock = new ReentrantLock();
  private final Condition freed = freedLock.newCondition();
  private long slotsFreed;

  /**
   * Creates the pipeline.
   *
   * @param resultEndpoint this orchestrator's address as executors and peers reach it
   * @param calls runs blocking calls to executors in parallel (virtual threads)
   */
  public TaskPipeline(
      ExecutorFleet fleet,
      PeerOrchestrators peers,
      SelectionPolicy policy,
      Reputation reputation,
      PendingResults pending,
      Settings settings,
      String originatorDid,
      Supplier<String> resultEndpoint,
      Clock clock,
      ExecutorService calls) {
    this.fleet = fleet;
    this.peers = peers;
    this.policy = policy;
    this.reputation = reputation;
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
    this.probeInterval =
        settings.duration("orchestrator.probe-interval-ms", Duration.ofMillis(500));
    this.stealAfter = settings.duration("orchestrator.steal-after-ms", Duration.ofMillis(250));
    this.inlineWait = settings.duration("orchestrator.inline-result-ms", Duration.ofMillis(100));
    this.resultGraceMillis = settings.longValue("orchestrator.result-grace-ms", 10_000);
  }

  /** Runs {@code task} on this orchestrator's executors, verified as its mode says. */
  public TaskOutcome runOnExecutors(TaskSpec task, TaskControl control) {
    return switch (task.verification()) {
      case "redundant" -> replicated(task, control);
      case "sample" -> sampled(task, control);
      default -> {
        Run run = single(task, control, ConcurrentHashMap.newKeySet(), "primary", false);
        run.record(control, "accepted: receipt verified, result hash matches");
        yield run.outcome(task, List.of());
      }
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Verification modes

  /**
   * Redundant verification: {@code redundancy} executors run the task, each first committing to its
   * result's hash; once all have committed, the strict majority's bytes are revealed and accepted.
   * Without a strict majority the task runs again on executors not tried yet.
   */
  private TaskOutcome replicated(TaskSpec task, TaskControl control) {
    int r = Math.max(2, task.redundancy());
    Set<String> claimed = ConcurrentHashMap.newKeySet();
    List<String> rounds = new ArrayList<>();
    for (int round = 0; round <= task.retryCount(); round++) {
      List<Future<Run>> replicas = new ArrayList<>();
      for (int i = 0; i < r; i++) {
        String role = "replica " + (i + 1) + " of " + r;
        replicas.add(calls.submit(() -> single(task, control, claimed, role, true)));
      }
      List<Run> runs = new ArrayList<>();
      RuntimeException failure = null;
      for (Future<Run> f : replicas) {
        try {
          runs.add(f.get());
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = asRuntime(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TaskFailedException("CANCELLED", "interrupted");
        }
      }
      if (failure != null) {
        for (Run run : runs) {
          control.unreserve(run.price());
          run.handle().withdraw(run.assignmentId());
          run.record(control, "not used: another replica of the task could not be placed");
        }
        throw failure;
      }
      Map<String, List<Run>> byOutput = new LinkedHashMap<>();
      for (Run run : runs) {
        byOutput.computeIfAbsent(run.receipt().getOutputCid(), k -> new ArrayList<>()).add(run);
      }
      List<Run> majority =
          byOutput.values().stream().filter(g -> g.size() * 2 > r).findFirst().orElse(null);
      if (majority == null) {
        for (Run run : runs) {
          control.unreserve(run.price());
          run.record(
              control,
              "no strict majority among "
                  + r
                  + " results ("
                  + byOutput.size()
                  + " different outputs); not paid, the task runs again on other executors");
        }
        rounds.add(byOutput.size() + " different outputs from " + r + " executors");
        continue;
      }
      byte[] bytes = revealFromMajority(task, majority);
      String agreed = majority.get(0).receipt().getOutputCid();
      for (Run run : runs) {
        if (majority.contains(run)) {
          reputation.verified(run.did());
          run.record(
              control,
              "agreed with the majority ("
                  + majority.size()
                  + " of "
                  + r
                  + " committed to "
                  + agreed
                  + "); paid");
        } else {
          control.unreserve(run.price());
          reputation.caught(run.did(), "outvoted on " + task.taskId());
          run.record(
              control,
              "caught: committed to "
                  + run.receipt().getOutputCid()
                  + " against the majority's "
                  + agreed
                  + "; not paid, reputation lowered");
        }
      }
      Run primary = majority.get(0);
      List<TaskOutcome.Paid> others = new ArrayList<>();
      for (Run run : majority.subList(1, majority.size())) {
        others.add(new TaskOutcome.Paid(run.receipt(), run.price()));
      }
      return primary.withBytes(bytes).outcome(task, others);
    }
    throw new TaskFailedException(
        "NO_MAJORITY",
        "task "
            + task.taskId()
            + " found no strict majority in "
            + rounds.size()
            + " rounds: "
            + String.join("; ", rounds));
  }

  /** The majority's bytes, from the first member that reveals bytes matching the commitment. */
  private byte[] revealFromMajority(TaskSpec task, List<Run> majority) {
    List<String> problems = new ArrayList<>();
    for (Run run : majority) {
      try {
        byte[] bytes = run.handle().reveal(run.assignmentId(), t2.multipliedBy(2));
        if (Cid.of(bytes).equals(run.receipt().getOutputCid())) {
          return bytes;
        }
        reputation.caught(run.did(), "revealed bytes that do not match its commitment");
        problems.add(run.did() + " revealed bytes that do not match its commitment");
      } catch (RuntimeException e) {
        problems.add(run.did() + ": " + e.getMessage());
      }
    }
    throw new TaskFailedException(
        "REVEAL_FAILED",
        "the majority of task "
            + task.taskId()
            + " agreed but none revealed its result: "
            + String.join("; ", problems));
  }

  /**
   * Sample verification: the result is accepted as returned unless the task is drawn for an audit
   * (at the executor's sample rate, from a hash of the task id so that a restart draws the same);
   * an audited result is run again elsewhere, and a disagreement is settled by a third run.
   */
  private TaskOutcome sampled(TaskSpec task, TaskControl control) {
    Set<String> claimed = ConcurrentHashMap.newKeySet();
    Run primary = single(task, control, claimed, "primary", false);
    double rate = reputation.sampleRate(primary.did());
    if (!drawn(task.taskId(), rate)) {
      primary.record(
          control,
          String.format(
              Locale.ROOT, "accepted: hash verified, not drawn for an audit (rate %.3f)", rate));
      return primary.outcome(task, List.of());
    }
    Run audit;
    try {
      audit = single(task, control, claimed, "audit", false);
    } catch (TaskFailedException e) {
      primary.record(control, "accepted without an audit: " + e.getMessage());
      return primary.outcome(task, List.of());
    }
    if (audit.resultCid().equals(primary.resultCid())) {
      reputation.verified(primary.did());
      reputation.verified(audit.did());
      primary.record(control, "audited: an independent run returned the same result; paid");
      audit.record(control, "audit agreed with the primary; paid");
      return primary.outcome(task, List.of(new TaskOutcome.Paid(audit.receipt(), audit.price())));
    }
    Run tie = single(task, control, claimed, "tie-break", false);
    List<Run> all = List.of(primary, audit, tie);
    Run winner = null;
    for (Run candidate : all) {
      long agree = all.stream().filter(x -> x.resultCid().equals(candidate.resultCid())).count();
      if (agree >= 2) {
        winner = candidate;
        break;
      }
    }
    if (winner == null) {
      for (Run run : all) {
        control.unreserve(run.price());
        run.record(control, "three runs, three different results; not paid");
      }
      throw new TaskFailedException(
          "NO_MAJORITY", "task " + task.taskId() + " returned three different results");
    }
    List<TaskOutcome.Paid> others = new ArrayList<>();
    for (Run run : all) {
      if (run.resultCid().equals(winner.resultCid())) {
        reputation.verified(run.did());
        run.record(control, "agreed with the majority of 3 runs; paid");
        if (run != winner) {
          others.add(new TaskOutcome.Paid(run.receipt(), run.price()));
        }
      } else {
        control.unreserve(run.price());
        reputation.caught(run.did(), "outvoted 2 to 1 on " + task.taskId());
        run.record(
            control,
            "caught by the audit: returned "
                + run.resultCid()
                + ", two other executors "
                + winner.resultCid()
                + "; not paid, reputation lowered");
      }
    }
    return winner.outcome(task, others);
  }

  /** Whether the task is drawn for an audit at {@code rate}: a fixed function of its id. */
  static boolean drawn(String taskId, double rate) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(taskId.getBytes(StandardCharsets.UTF_8));
      double u = (ByteBuffer.wrap(h).getLong() >>> 11) * 0x1.0p-53;
      return u < rate;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // One result from one executor

  /**
   * One accepted run of the task: its placement, the executor's result (bytes, or only the hash
   * when committed first) and signed receipt, and the price reserved for it.
   */
  private record Run(
      Selected selected, String assignmentId, ComputeTaskResult result, byte[] bytes) {
    ExecutorHandle handle() {
      return selected.bid().executor();
    }

    String did() {
      return selected.bid().offer().getExecutorDid();
    }

    long price() {
      return selected.bid().offer().getPrice();
    }

    ExecutionReceipt receipt() {
      return result.getReceipts(0);
    }

    String resultCid() {
      return receipt().getOutputCid();
    }

    Run withBytes(byte[] revealed) {
      return new Run(selected, assignmentId, result, revealed);
    }

    void record(TaskControl control, String outcome) {
      control.placed(selected.placement().setOutcome(outcome).build());
    }

    TaskOutcome outcome(TaskSpec task, List<TaskOutcome.Paid> others) {
      return new TaskOutcome(
          task, bytes, receipt().getOutputCid(), receipt(), price(), result.getWorkerId(), others);
    }
  }

  /** The winner of an auction and the record of how it won. */
  private record Selected(Bid bid, TaskPlacement.Builder placement) {}

  /**
   * Places the task until one executor returns a result that passes the checks; each failed attempt
   * excludes its executor and counts against the retry budget.
   *
   * @param claimed DIDs that may not take this placement (they failed it, or already run another
   *     replica of it); the winner is added
   */
  private Run single(
      TaskSpec task, TaskControl control, Set<String> claimed, String role, boolean commitFirst) {
    List<String> failures = new ArrayList<>();
    int placement = 0;
    String stolenFrom = null;
    String slotClaim = null;
    try {
      for (int attempt = 0; attempt <= task.retryCount(); attempt++) {
        checkStopped(task, control);
        Selected winner = auction(task, control, claimed, role, placement++, stolenFrom);
        stolenFrom = null;
        String assignmentId = UUID.randomUUID().toString();
        String did = winner.bid().offer().getExecutorDid();
        inFlight.computeIfAbsent(did, k -> new AtomicInteger()).incrementAndGet();
        // Placed again: the slot promised while it was withdrawn is now counted as in flight.
        releaseSlot(slotClaim);
        slotClaim = null;
        boolean refusedBusy = false;
        try {
          return attempt(task, control, winner, assignmentId, commitFirst);
        } catch (ExecutorBusy e) {
          refusedBusy = true;
          // Several tasks may win the same executor's bids at once; the overflow is refused as
          // busy. That is no fault of the executor's, so the task goes back to auction, without
          // spending an attempt, once one of this orchestrator's tasks has left an executor (or
          // after ten back-off periods); the job's deadline still bounds it.
          control.unreserve(winner.bid().offer().getPrice());
          claimed.remove(did);
          winner.placement().setOutcome("the executor was full at assignment; auctioned again");
          control.placed(winner.placement().build());
          attempt--;
          if (clock.millis() >= task.deadlineMillis()) {
            throw new TaskFailedException(
                "TIMED_OUT",
                "task " + task.taskId() + " found no free executor before the job's deadline");
          }
        } catch (Withdrawn e) {
          // Taken back from a queue while another executor sits idle: not a failure either. The
          // busy executor is passed over in the next auction if anyone else bids, and stays
          // eligible otherwise (it may be the only one left).
          control.unreserve(winner.bid().offer().getPrice());
          claimed.remove(did);
          stolenFrom = did;
          slotClaim = e.idleDid;
          winner.placement().setOutcome(e.getMessage());
          control.placed(winner.placement().build());
          attempt--;
        } catch (AttemptFailed e) {
          control.unreserve(winner.bid().offer().getPrice());
          failures.add(did + ": " + e.getMessage());
          if (e.lied) {
            reputation.caught(did, e.getMessage());
          } else if (e.lost) {
            reputation.failed(did);
          }
          winner.placement().setOutcome("failed: " + e.getMessage());
          control.placed(winner.placement().build());
          LOG.info(() -> "task " + task.taskId() + " attempt failed on " + did + ": " + e);
        } finally {
          inFlight.get(did).decrementAndGet();
          // A task the executor refused never held a place there, so it frees none.
          if (!refusedBusy) {
            slotFreed();
          }
        }
        if (refusedBusy) {
          awaitFreedSlot(task, control);
        }
      }
    } finally {
      releaseSlot(slotClaim);
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

  private void releaseSlot(String did) {
    if (did != null) {
      stealClaims.get(did).decrementAndGet();
    }
  }

  private Run attempt(
      TaskSpec task,
      TaskControl control,
      Selected winner,
      String assignmentId,
      boolean commitFirst) {
    Bid bid = winner.bid();
    CompletableFuture<PendingResults.Arrival> arrival =
        pending.expect(assignmentId, task, bid.offer().getExecutorDid());
    try {
      AssignTaskResponse ack = assign(task, bid, assignmentId, commitFirst);
      if (ack.hasResult()) {
        // Answered within the inline wait: checked exactly as a delivered result would be.
        if (!assignmentId.equals(ack.getResult().getAssignmentId())) {
          throw new AttemptFailed(
              "the executor answered with the result of another assignment", false, true);
        }
        pending.accept(ack.getResult());
      }
      control.assigned(assignmentId, () -> bid.executor().cancel(assignmentId));
      ComputeTaskResult result = await(task, control, arrival, bid, assignmentId, ack.getQueued());
      byte[] bytes = commitFirst ? null : result.getResultData().toByteArray();
      return new Run(winner, assignmentId, result, bytes);
    } catch (AttemptFailed | TaskFailedException e) {
      // Whatever ended the attempt without a result (a failure, or the job's cancel seen by the
      // wait loop first), the executor is told to stop: nobody will take its result. One that
      // refused the task as busy never took it, unless an earlier try of the same assignment
      // timed out and may have been taken after all.
      pending.forget(assignmentId);
      if (!(e instanceof ExecutorBusy busy) || busy.afterRetry) {
        bid.executor().cancel(assignmentId);
      }
      throw e;
    } finally {
      control.unassigned(assignmentId);
    }
  }

  /**
   * Announces until an acceptable bid arrives, ranks the bids, and reserves the winner's price.
   * Every executor that cannot take the task is named with its reason in the failure.
   */
  private Selected auction(
      TaskSpec task,
      TaskControl control,
      Set<String> claimed,
      String role,
      int placementNo,
      String passOver) {
    Map<String, String> refusals = new LinkedHashMap<>();
    for (int round = 0; round <= n1; round++) {
      checkStopped(task, control);
      if (round > 0) {
        sleep(t1);
      }
      refusals.clear();
      long budget = control.budgetLeft();
      List<Bid> bids = collectBids(task, budget, refusals);
      List<Bid> eligible = new ArrayList<>();
      for (Bid b : bids) {
        String did = b.offer().getExecutorDid();
        if (claimed.contains(did)) {
          refusals.put(did, "ALREADY_USED (it failed this task or runs another replica of it)");
        } else if (!reputation.trusted(did)) {
          refusals.put(
              did,
              String.format(
                  Locale.ROOT,
                  "UNTRUSTED (its verified reputation %.2f is below the threshold %.2f)",
                  reputation.score(did),
                  reputation.threshold()));
        } else if (b.offer().getPrice() > budget) {
          refusals.put(
              did,
              "TOO_EXPENSIVE (bid "
                  + b.offer().getPrice()
                  + " mana, above the "
                  + budget
                  + " the job's budget has left)");
        } else {
          eligible.add(b);
        }
      }
      if (passOver != null
          && eligible.size() > 1
          && eligible.removeIf(b -> b.offer().getExecutorDid().equals(passOver))) {
        refusals.put(passOver, "PASSED_OVER (the task was just withdrawn from its queue)");
      }
      List<SelectionPolicy.Judged> ranked =
          policy.rank(eligible, reputation::score, this::liveLoad);
      for (SelectionPolicy.Judged j : ranked) {
        String did = j.bid().offer().getExecutorDid();
        if (!claimed.add(did)) {
          continue;
        }
        if (!control.reserve(j.bid().offer().getPrice())) {
          claimed.remove(did);
          refusals.put(did, "TOO_EXPENSIVE (the budget left no longer covers its bid)");
          continue;
        }
        TaskPlacement.Builder placement =
            TaskPlacement.newBuilder()
                .setTaskId(task.taskId())
                .setChunkIndex(task.chunkIndex())
                .setExportName(task.exportName())
                .setAttempt(placementNo)
                .setWinnerDid(did)
                .setPrice(j.bid().offer().getPrice())
                .setReason(policy.winReason(j, ranked.size()))
                .addAllBids(policy.verdicts(ranked, j))
                .setDecidedAt(clock.millis())
                .setRole(role);
        refusals.forEach(
            (who, why) ->
                placement.addRefusals(
                    ExecutorRefusal.newBuilder().setExecutor(who).setReason(why)));
        return new Selected(j.bid(), placement);
      }
    }
    TaskPlacement.Builder none =
        TaskPlacement.newBuilder()
            .setTaskId(task.taskId())
            .setChunkIndex(task.chunkIndex())
            .setExportName(task.exportName())
            .setAttempt(placementNo)
            .setDecidedAt(clock.millis())
            .setRole(role)
            .setOutcome("no executor could take it");
    refusals.forEach(
        (who, why) ->
            none.addRefusals(ExecutorRefusal.newBuilder().setExecutor(who).setReason(why)));
    control.placed(none.build());
    throw new TaskFailedException(
        "NO_EXECUTOR",
        "no executor could take task "
            + task.taskId()
            + (refusals.isEmpty() ? ": no executor is known" : ": " + describe(refusals)));
  }

  /**
   * The load the policy weighs: the executor's own report, or this orchestrator's count of tasks in
   * flight there over its slots when that is higher (bids made at the same moment all report the
   * load from before any of them was assigned).
   */
  private double liveLoad(Bid bid) {
    AtomicInteger mine = inFlight.get(bid.offer().getExecutorDid());
    int slots = Math.max(1, bid.offer().getTaskSlots());
    double ours = mine == null ? 0 : (double) mine.get() / slots;
    return Math.max(bid.offer().getCurrentLoad(), ours);
  }

  private List<Bid> collectBids(TaskSpec task, long budget, Map<String, String> refusals) {
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
          refusals.put(who, r.getDecline().getReason() + " (" + r.getDecline().getMessage() + ")");
        }
      } catch (TimeoutException e) {
        a.getValue().cancel(true);
        refusals.put(who, "NO_BID (no answer within T2, " + t2.toMillis() + " ms)");
      } catch (ExecutionException e) {
        refusals.put(who, "UNREACHABLE (" + e.getCause().getMessage() + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted while collecting bids");
      }
    }
    return bids;
  }

  private AssignTaskResponse assign(
      TaskSpec task, Bid winner, String assignmentId, boolean commitFirst) {
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
            .setRequestId(assignmentId)
            .setCommitFirst(commitFirst)
            .setInlineWaitMs((int) inlineWait.toMillis());
    StatusRuntimeException last = null;
    for (int attempt = 0; attempt <= n3; attempt++) {
      try {
        AssignTaskResponse ack =
            winner.executor().assign(request.build(), t2.multipliedBy(2).plus(inlineWait));
        if (ack.getAccepted()) {
          return ack;
        }
        if ("BUSY".equals(ack.getReasonCode())) {
          throw new ExecutorBusy(ack.getReason(), attempt > 0);
        }
        if ("MODULE_MISSING".equals(ack.getReasonCode())) {
          // The executor evicted the module since it bid; send the bytes this time.
          request.setTask(packet(task, true));
          continue;
        }
        throw new AttemptFailed("the executor refused the assignment: " + ack.getReason(), true);
      } catch (StatusRuntimeException e) {
        last = e;
      }
    }
    throw new AttemptFailed(
        "no acknowledgement after "
            + (n3 + 1)
            + " tries: "
            + (last == null ? "" : last.getStatus()),
        true);
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

  /**
   * Waits for the assignment's result. Meanwhile the executor is probed every {@code
   * probe-interval}: two refused connections in a row, or six probes in a row without an answer
   * within 2 s, fail the attempt (the executor crashed, hangs or lost its network), and a task
   * still queued there after {@code steal-after} while another executor has a free slot is
   * withdrawn so that the idle executor can take it.
   */
  private ComputeTaskResult await(
      TaskSpec task,
      TaskControl control,
      CompletableFuture<PendingResults.Arrival> arrival,
      Bid bid,
      String assignmentId,
      boolean queued) {
    long waitMillis =
        Math.min(
            task.deadlineMillis() - clock.millis(),
            task.limits().getWallTimeMs() * 2L + resultGraceMillis);
    long started = System.nanoTime();
    long until = started + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
    long nextProbe = started + probeInterval.toNanos();
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
      if (now >= nextProbe) {
        nextProbe = now + probeInterval.toNanos();
        try {
          bid.executor().capacity(PROBE_DEADLINE);
          refused = 0;
          slow = 0;
        } catch (StatusRuntimeException e) {
          // A dead process refuses connections at once (UNAVAILABLE): two in a row settle it.
          // A slow answer may just be a loaded machine, so it takes many more.
          if (e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE) {
            refused++;
          } else {
            slow++;
          }
          if (refused >= 2 || slow >= 6) {
            throw new AttemptFailed(
                "the executor stopped answering while running the task (" + e.getStatus() + ")",
                true);
          }
        }
        if (queued && now - started >= stealAfter.toNanos()) {
          GetCapacityResponse idle = claimIdleSlot(bid.executor());
          if (idle != null) {
            if (bid.executor().withdraw(assignmentId)) {
              pending.forget(assignmentId);
              throw new Withdrawn(
                  "withdrawn from "
                      + bid.offer().getExecutorDid()
                      + "'s queue: "
                      + idle.getExecutorDid()
                      + " had a free slot (work stealing)",
                  idle.getExecutorDid());
            }
            releaseSlot(idle.getExecutorDid());
          }
          queued = idle == null;
        }
      }
      long left = Math.min(until, nextProbe) - now;
      try {
        PendingResults.Arrival a =
            arrival.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
        if (a.rejection() != null) {
          boolean honestFailure = "failed".equals(a.result().getStatus());
          // A module failure the executor reports (a trap, a limit) is no fault of its own; a
          // result that contradicts its own signed receipt is.
          throw new AttemptFailed("result rejected: " + a.rejection(), false, !honestFailure);
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

  /**
   * Finds a trusted executor other than {@code busy} with a slot free now and not yet promised to
   * another withdrawn task, and promises it to this one; null if there is none. A slot counts as
   * taken when the executor reports it busy or this orchestrator has a task in flight there.
   */
  private GetCapacityResponse claimIdleSlot(ExecutorHandle busy) {
    for (ExecutorHandle e : fleet.executors()) {
      if (e == busy) {
        continue;
      }
      GetCapacityResponse c;
      try {
        c = e.capacity(probeInterval);
      } catch (RuntimeException unreachable) {
        continue;
      }
      String did = c.getExecutorDid();
      if (!reputation.trusted(did)) {
        continue;
      }
      AtomicInteger mine = inFlight.get(did);
      int taken = Math.max(c.getRunningTasks() + c.getQueuedTasks(), mine == null ? 0 : mine.get());
      AtomicInteger promised = stealClaims.computeIfAbsent(did, k -> new AtomicInteger());
      int p = promised.get();
      while (taken + p < c.getTaskSlots()) {
        if (promised.compareAndSet(p, p + 1)) {
          return c;
        }
        p = promised.get();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Delegation to a peer orchestrator

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
        throw new AttemptFailed("the peer refused the task: " + response.getReason(), false);
      }
      control.assigned(delegationId, () -> {});
      ComputeTaskResult result = awaitDelegated(task, control, arrival);
      long charged = result.getPrice();
      if (!control.reserve(charged)) {
        throw new AttemptFailed(
            "the peer charges " + charged + ", more than the budget left", false);
      }
      byte[] bytes = result.getResultData().toByteArray();
      return new TaskOutcome(
          task, bytes, Cid.of(bytes), result.getReceipts(0), charged, result.getWorkerId());
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

  private ComputeTaskResult awaitDelegated(
      TaskSpec task, TaskControl control, CompletableFuture<PendingResults.Arrival> arrival) {
    long waitMillis = task.deadlineMillis() - clock.millis();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
    while (true) {
      checkStopped(task, control);
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

  // ---------------------------------------------------------------------------------------------

  private static RuntimeException asRuntime(Throwable t) {
    return t instanceof RuntimeException re ? re : new IllegalStateException(t);
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

  /** One of this orchestrator's tasks left an executor: wakes one task that found them full. */
  private void slotFreed() {
    freedLock.lock();
    try {
      slotsFreed++;
      freed.signal();
    } finally {
      freedLock.unlock();
    }
  }

  /**
   * After a BUSY refusal: waits until one of this orchestrator's tasks leaves an executor, at most
   * ten back-off periods, rather than auctioning again at a fixed pace. Each new auction costs
   * every executor a call, and under load most of them would find the executors still full.
   */
  private void awaitFreedSlot(TaskSpec task, TaskControl control) {
    freedLock.lock();
    try {
      long seen = slotsFreed;
      long until = System.nanoTime() + busyBackoff.multipliedBy(10).toNanos();
      // In short steps, so that a cancelled job or a passed deadline ends the wait.
      long step = Math.max(1, busyBackoff.toNanos());
      while (slotsFreed == seen && !control.stopped() && clock.millis() < task.deadlineMillis()) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          break;
        }
        freed.awaitNanos(Math.min(left, step));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TaskFailedException("CANCELLED", "interrupted");
    } finally {
      freedLock.unlock();
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TaskFailedException("CANCELLED", "interrupted");
    }
  }

  /**
   * One attempt failed; the task moves on to another executor. {@code lost} when the executor went
   * silent or broke the protocol (its reliability suffers), {@code lied} when its result
   * contradicts its own signed receipt (its honesty does).
   */
  private static class AttemptFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final boolean lost;
    final boolean lied;

    AttemptFailed(String message, boolean lost) {
      this(message, lost, false);
    }

    AttemptFailed(String message, boolean lost, boolean lied) {
      super(message);
      this.lost = lost;
      this.lied = lied;
    }
  }

  /** The winning executor had no room left by the time the task was assigned. */
  private static final class ExecutorBusy extends AttemptFailed {
    private static final long serialVersionUID = 1L;

    // The refusal answered a retry: an earlier try that timed out may have been taken after all.
    final boolean afterRetry;

    ExecutorBusy(String message, boolean afterRetry) {
      super(message, false);
      this.afterRetry = afterRetry;
    }
  }

  /** The task was taken back from a busy executor's queue for an idle one. */
  private static final class Withdrawn extends AttemptFailed {
    private static final long serialVersionUID = 1L;

    // The executor whose free slot was promised to the task.
    final String idleDid;

    Withdrawn(String message, String idleDid) {
      super(message, false);
      this.idleDid = idleDid;
    }
  }
}
