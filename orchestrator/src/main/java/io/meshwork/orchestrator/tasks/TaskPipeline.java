package io.meshwork.orchestrator.tasks;

import io.meshwork.orchestrator.trust.Reputation;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Places one task on the mesh as RFC 0016 describes and checks what comes back: the way in for the
 * job core.
 *
 * <p>The pieces, each its own class: the {@link Auction} (announce, bids, selection), the {@link
 * Assigner} (assign, acknowledgement retries, the wait with probes), the {@link Placer} (retries on
 * other executors), {@link WorkStealing} and the {@link ExecutorLoad} it reads, one {@link
 * Verification} per {@link VerificationMode}, and {@link Delegation} to peer orchestrators.
 */
public final class TaskPipeline {
  /**
   * How placement is timed.
   *
   * @param t1 RFC 0016 T1: the pause before announcing again when no bid was acceptable
   * @param t2 RFC 0016 T2: how long bids are collected, and half an assignment's wait
   * @param n1 RFC 0016 N1: how many times an announcement is repeated
   * @param n3 RFC 0016 N3: how many times an unacknowledged assignment is sent again
   * @param busyBackoff after a BUSY refusal, a tenth of the longest wait before auctioning again
   * @param probeInterval how often an executor running our task, or a peer running a task delegated
   *     to it, is probed; zero for never (a member that stops heartbeating is still noticed)
   * @param stealAfter how long a task may sit queued while another executor is idle
   * @param inlineWait how long an executor may hold the assignment to answer with the result (0:
   *     never)
   * @param resultGrace beyond twice the wall-time limit, how long a result may take to arrive
   * @param maxDelegationsPerPeer delegations from here that may be open at one peer at once
   * @param presignChunkUrls whether an assignment of a chunk by reference carries a presigned URL
   *     of its range, when the blob store can make one
   */
  public record Options(
      Duration t1,
      Duration t2,
      int n1,
      int n3,
      Duration busyBackoff,
      Duration probeInterval,
      Duration stealAfter,
      Duration inlineWait,
      Duration resultGrace,
      int maxDelegationsPerPeer,
      boolean presignChunkUrls) {
    /** RFC 0016's and this orchestrator's default timings. */
    public static Options defaults() {
      return new Options(
          Duration.ofMillis(500),
          Duration.ofMillis(1000),
          3,
          2,
          Duration.ofMillis(50),
          Duration.ofMillis(500),
          Duration.ofMillis(250),
          Duration.ofMillis(100),
          Duration.ofMillis(10_000),
          64,
          true);
    }
  }

  private final Map<VerificationMode, Verification> verifications =
      new EnumMap<>(VerificationMode.class);
  private final Delegation delegation;
  private final PendingResults pending;

  /**
   * Creates the pipeline.
   *
   * @param audits which results sample verification checks again
   * @param resultEndpoint this orchestrator's address as executors and peers reach it
   * @param chunkUrls presigns the URLs of chunks by reference (the blob store)
   * @param calls runs blocking calls to executors in parallel (virtual threads)
   */
  public TaskPipeline(
      ExecutorFleet fleet,
      PeerOrchestrators peers,
      SelectionPolicy policy,
      Reputation reputation,
      PendingResults pending,
      AuditDraw audits,
      Options options,
      String originatorDid,
      Supplier<String> resultEndpoint,
      ChunkUrls chunkUrls,
      Clock clock,
      ExecutorService calls) {
    ExecutorLoad load = new ExecutorLoad(options.busyBackoff(), clock);
    // A capacity read must not wait longer than a probe would; with probes off, half a second.
    Duration capacityWait =
        options.probeInterval().isZero() ? Duration.ofMillis(500) : options.probeInterval();
    WorkStealing stealing = new WorkStealing(fleet, reputation, load, capacityWait);
    Placer placer =
        new Placer(
            new Auction(fleet, policy, reputation, load, originatorDid, clock, calls, options),
            new Assigner(fleet, pending, stealing, resultEndpoint, chunkUrls, clock, options),
            load,
            stealing,
            reputation,
            clock);
    Verification single = new SingleRun(placer);
    verifications.put(VerificationMode.NONE, single);
    verifications.put(VerificationMode.HASH, single);
    verifications.put(VerificationMode.MERKLE, single);
    verifications.put(
        VerificationMode.REDUNDANT,
        new RedundantRuns(placer, reputation, calls, options.t2().multipliedBy(2)));
    verifications.put(VerificationMode.SAMPLE, new SampledAudit(placer, reputation, audits));
    this.delegation =
        new Delegation(
            peers,
            pending,
            resultEndpoint,
            clock,
            options.maxDelegationsPerPeer(),
            audits,
            reputation,
            originatorDid,
            () -> !fleet.executors().isEmpty(),
            options.probeInterval());
    this.pending = pending;
  }

  /** Runs {@code task} on this orchestrator's executors, verified as its mode says. */
  public TaskOutcome runOnExecutors(TaskSpec task, TaskControl control) {
    return verifications.get(task.verification()).run(task, control);
  }

  /**
   * Runs {@code task} on the peer orchestrator {@code peer} (which runs it on its own executors);
   * falls back to this orchestrator's executors when the peer refuses or fails.
   */
  public TaskOutcome runDelegated(TaskSpec task, String peer, TaskControl control) {
    return delegation.run(task, peer, control, verifications.get(task.verification()), true);
  }

  /**
   * Runs {@code task} on the peer orchestrator {@code peer}, which may split it and hand parts on;
   * fails with {@link TaskFailedException} {@code DELEGATION_FAILED} when the peer refuses or
   * fails, for the caller to place the task elsewhere.
   */
  public TaskOutcome delegate(TaskSpec task, String peer, TaskControl control) {
    return delegation.run(task, peer, control, verifications.get(task.verification()), false);
  }

  /** Whether {@code executor} holds a live assignment of a task of {@code moduleCid}. */
  public boolean assignsModule(String executor, String moduleCid) {
    return pending.assignsModule(executor, moduleCid);
  }

  /** Fails with CANCELLED once the task's job was stopped. */
  static void checkStopped(TaskSpec task, TaskControl control) {
    if (control.stopped()) {
      throw new TaskFailedException("CANCELLED", "task " + task.taskId() + " was stopped");
    }
  }
}
