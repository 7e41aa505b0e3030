package io.meshwork.orchestrator.jobs;

import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.TaskControl;
import io.meshwork.orchestrator.tasks.TaskOutcome;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.tasks.TaskResult;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.MeshException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes tasks that peer orchestrators delegate here: runs each on this orchestrator's executors and
 * returns the result to the delegator's ReturnTaskResult. Pay and anchoring stay with the
 * delegator, which holds the submitter's budget.
 */
public final class DelegationIntake {
  private static final Logger LOG = Logger.getLogger(DelegationIntake.class.getName());

  private final ManifestValidator validator;
  private final TaskPipeline pipeline;
  private final PeerOrchestrators peers;
  private final LiveJobs live;
  private final ExecutorService threads;
  private final Clock clock;
  private final Identity self;
  private final int retryCount;
  private final int maxOpenPerPeer;

  DelegationIntake(
      ManifestValidator validator,
      TaskPipeline pipeline,
      PeerOrchestrators peers,
      LiveJobs live,
      ExecutorService threads,
      Clock clock,
      Identity self,
      int retryCount,
      int maxOpenPerPeer) {
    this.validator = validator;
    this.pipeline = pipeline;
    this.peers = peers;
    this.live = live;
    this.threads = threads;
    this.clock = clock;
    this.self = self;
    this.retryCount = retryCount;
    this.maxOpenPerPeer = maxOpenPerPeer;
  }

  /**
   * Accepts a delegated task and starts it; returns the estimated time in milliseconds, or 0 when
   * the same request was accepted before (a retry of the delegation call).
   *
   * @param packet the task, whose module the caller checked against its hash
   * @param replyTo the delegator's address for the result
   * @param requestId the delegator's id for this delegation
   */
  public int accept(TaskPacket packet, String replyTo, String requestId, Caller caller) {
    validator.module(
        packet.module(),
        packet.moduleCid(),
        validator.maxModuleBytes(),
        packet.limits().memoryBytes() == 0 ? 256L << 20 : packet.limits().memoryBytes(),
        "task.wasm_module");
    if (!packet.chunk().inline()) {
      // A blob lives in the delegator's store, which this orchestrator's executors cannot read.
      throw new MeshException(
              MeshException.Kind.INVALID_ARGUMENT,
              "INVALID_FIELD",
              "a delegated task carries its chunk in task.chunk_data, not by reference")
          .with("field", "task.chunk_ref");
    }
    Limits limits = validator.limits(packet.limits());
    TaskSpec task =
        new TaskSpec(
            packet.taskId(),
            packet.jobId(),
            packet.chunkIndex(),
            packet.exportName().isEmpty() ? "execute" : packet.exportName(),
            packet.chunk(),
            packet.moduleCid(),
            packet.module(),
            limits,
            packet.maxPrice(),
            "",
            retryCount,
            packet.verification(),
            Math.max(0, packet.delegationDepth() - 1),
            clock.millis() + (packet.timeoutMs() == 0 ? 300_000 : packet.timeoutMs()),
            1);
    switch (live.addDelegation(requestId, caller.did(), task, maxOpenPerPeer)) {
      case KNOWN -> {
        return 0;
      }
      case OVER_LIMIT ->
          throw new MeshException(
                  MeshException.Kind.RESOURCE_EXHAUSTED,
                  "TOO_MANY_DELEGATIONS",
                  caller.did()
                      + " has "
                      + maxOpenPerPeer
                      + " tasks delegated here still open, as many as this orchestrator takes")
              .with("max", Integer.toString(maxOpenPerPeer));
      case ADDED -> {}
    }
    threads.submit(() -> run(task, replyTo, requestId));
    return task.limits().wallTimeMs();
  }

  private void run(TaskSpec task, String replyTo, String requestId) {
    long started = clock.millis();
    TaskResult result;
    try {
      TaskOutcome outcome = pipeline.runOnExecutors(task, new DelegatedBudget(task.maxPrice()));
      result =
          new TaskResult(
              task.taskId(),
              requestId,
              "completed",
              outcome.result(),
              outcome.resultCid(),
              self.did(),
              List.of(outcome.receipt()),
              null,
              null,
              "",
              outcome.receipt().fuelUsed(),
              outcome.price(),
              clock.millis() - started,
              new byte[0]);
    } catch (RuntimeException e) {
      result =
          new TaskResult(
              task.taskId(),
              requestId,
              "failed",
              new byte[0],
              "",
              self.did(),
              List.of(),
              null,
              "INTERNAL",
              String.valueOf(e.getMessage()),
              0,
              0,
              clock.millis() - started,
              new byte[0]);
    }
    try {
      // Signed, the result says this orchestrator vouches for its receipt and its price.
      peers.returnResult(replyTo, result.signedBy(self::sign));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "returning delegated task " + task.taskId() + " failed", e);
    } finally {
      live.removeDelegation(requestId);
    }
  }

  /** The budget a delegator allowed for one task. */
  private static final class DelegatedBudget implements TaskControl {
    private long left;

    DelegatedBudget(long max) {
      this.left = max;
    }

    @Override
    public boolean stopped() {
      return false;
    }

    @Override
    public synchronized long budgetLeft() {
      return left;
    }

    @Override
    public synchronized boolean reserve(long price) {
      if (price > left) {
        return false;
      }
      left -= price;
      return true;
    }

    @Override
    public synchronized void unreserve(long price) {
      left += price;
    }

    @Override
    public void assigned(String assignmentId, Runnable cancel) {}

    @Override
    public void unassigned(String assignmentId) {}
  }
}
