package io.meshwork.orchestrator.jobs;

import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskResult;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.orchestrator.tasks.TreeRoute;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.wasm.abi.ModuleInfo;
import io.meshwork.wasm.abi.SplitStrategy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes tasks that peer orchestrators delegate here and runs each as a node of the delegation tree
 * ({@link SubtreeRun}): scored, and run whole, or cut and spread over this orchestrator's executors
 * and its own peers and merged, paid from a hold of this orchestrator's own mana; then returns the
 * one result, signed, to the delegator's ReturnTaskResult, which reimburses what was paid.
 *
 * <p>A task that has already passed this orchestrator (its path names it), or has travelled farther
 * than {@code orchestrator.max-delegation-depth} allows, is refused.
 */
public final class DelegationIntake {
  private static final Logger LOG = Logger.getLogger(DelegationIntake.class.getName());
  // A hold outlives the task's deadline by this much, so that its last pay still finds it open.
  private static final long HOLD_GRACE_MILLIS = 300_000;
  // How often a restarted orchestrator asks a delegator that did not answer about a task again.
  private static final long ASK_AGAIN_MILLIS = 2_000;

  /**
   * How delegated tasks are taken.
   *
   * @param retryCount attempts beyond the first for a task delegated here
   * @param maxOpenPerPeer tasks one peer may have delegated here and still open
   * @param maxDepth the most orchestrators a task may have passed, and the most times this one lets
   *     it be handed on ({@code orchestrator.max-delegation-depth})
   */
  record Options(int retryCount, int maxOpenPerPeer, int maxDepth) {}

  private final ManifestValidator validator;
  private final SubtreeRun subtrees;
  private final PeerOrchestrators peers;
  private final LiveJobs live;
  private final ExecutorService threads;
  private final Clock clock;
  private final Identity self;
  private final ManaAccounts mana;
  private final ReceiptLog receipts;
  private final LedgerRequests requests;
  private final Options options;
  private final DelegationJournal journal;

  DelegationIntake(
      ManifestValidator validator,
      SubtreeRun subtrees,
      PeerOrchestrators peers,
      LiveJobs live,
      ExecutorService threads,
      Clock clock,
      Identity self,
      ManaAccounts mana,
      ReceiptLog receipts,
      LedgerRequests requests,
      DelegationJournal journal,
      Options options) {
    this.journal = journal;
    this.validator = validator;
    this.subtrees = subtrees;
    this.peers = peers;
    this.live = live;
    this.threads = threads;
    this.clock = clock;
    this.self = self;
    this.mana = mana;
    this.receipts = receipts;
    this.requests = requests;
    this.options = options;
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
    TreeRoute route = route(packet, caller.did());
    ModuleInfo module = module(packet);
    TaskSpec task =
        task(
            packet,
            route,
            clock.millis() + (packet.timeoutMs() == 0 ? 300_000 : packet.timeoutMs()));
    switch (live.addDelegation(requestId, caller.did(), task, options.maxOpenPerPeer())) {
      case KNOWN -> {
        return 0;
      }
      case OVER_LIMIT ->
          throw new MeshException(
                  MeshException.Kind.RESOURCE_EXHAUSTED,
                  "TOO_MANY_DELEGATIONS",
                  caller.did()
                      + " has "
                      + options.maxOpenPerPeer()
                      + " tasks delegated here still open, as many as this orchestrator takes")
              .with("max", Integer.toString(options.maxOpenPerPeer()));
      case ADDED -> {}
    }
    SubtreeBudget budget;
    try {
      // Held now, so that an orchestrator without the mana to advance its executors' pay refuses
      // the task at once and the delegator places it elsewhere.
      budget =
          SubtreeBudget.hold(
              mana,
              receipts,
              requests,
              journal,
              requestId,
              task.jobId(),
              task.maxPrice(),
              task.deadlineMillis() - clock.millis() + HOLD_GRACE_MILLIS);
    } catch (RuntimeException e) {
      live.removeDelegation(requestId);
      throw e;
    }
    try {
      // Journaled before it is taken, so that a restart finds it and resumes or abandons it.
      journal.accepted(
          new DelegationJournal.Accepted(
              requestId,
              caller.did(),
              replyTo,
              packet,
              budget.holdId(),
              task.deadlineMillis(),
              clock.millis()));
    } catch (RuntimeException e) {
      budget.release();
      live.removeDelegation(requestId);
      throw e;
    }
    threads.submit(() -> run(task, module.hasMerge(), budget, replyTo, requestId));
    return task.limits().wallTimeMs();
  }

  /** Whether this orchestrator is still working on delegation {@code requestId} for {@code did}. */
  public boolean runsFor(String requestId, String did) {
    return live.delegatedBy(requestId, did);
  }

  /**
   * Resumes or abandons, each on a thread of its own, the delegated tasks the journal holds as
   * accepted and not finished (after a restart): {@link DelegationRecovery} decides, once the
   * delegator has said whether it still awaits the result.
   */
  public void recoverOpen() {
    for (DelegationJournal.Accepted d : journal.open()) {
      threads.submit(() -> recover(d));
    }
  }

  private void recover(DelegationJournal.Accepted d) {
    TaskSpec task;
    boolean hasMerge;
    try {
      TaskPacket packet = d.packet();
      hasMerge = module(packet).hasMerge();
      task = task(packet, route(packet, d.delegatorDid()), d.deadlineMillis());
    } catch (RuntimeException e) {
      abandon(d, "it can no longer be taken: " + e.getMessage());
      return;
    }
    // Tracked as running before the delegator is asked, so that a delegator probing meanwhile
    // keeps waiting rather than placing the task elsewhere while it is being resumed.
    live.addDelegation(d.requestId(), d.delegatorDid(), task, Integer.MAX_VALUE);
    while (true) {
      Optional<PeerOrchestrators.DelegationState> answer;
      try {
        answer = Optional.of(peers.delegationState(d.replyTo(), d.requestId()));
      } catch (RemoteCallFailed e) {
        answer = Optional.empty();
      }
      switch (DelegationRecovery.decide(d.deadlineMillis(), clock.millis(), answer)) {
        case RESUME -> {
          Map<String, DelegationJournal.SettledPart> settled = journal.settledParts(d.requestId());
          LOG.info(
              "resuming delegated task "
                  + task.taskId()
                  + " (delegation "
                  + d.requestId()
                  + "): its delegator still awaits it; "
                  + settled.size()
                  + " parts settled before the restart are kept");
          run(
              task,
              hasMerge,
              SubtreeBudget.resumed(mana, receipts, requests, journal, d),
              d.replyTo(),
              d.requestId());
          return;
        }
        case ABANDON -> {
          abandon(
              d,
              answer.isPresent()
                  ? "its delegator no longer awaits it (" + answer.get() + ")"
                  : "its deadline passed");
          return;
        }
        case ASK_AGAIN -> {
          try {
            Thread.sleep(ASK_AGAIN_MILLIS);
          } catch (InterruptedException e) {
            // Stopping: the journal keeps the task for the next start.
            Thread.currentThread().interrupt();
            live.removeDelegation(d.requestId());
            return;
          }
        }
      }
    }
  }

  /**
   * Gives up delegation {@code d}: the rest of its hold returns to this orchestrator and nothing
   * more is paid for it. What its parts were paid before stays paid, by this orchestrator alone:
   * the delegator reimburses only results it accepted.
   */
  private void abandon(DelegationJournal.Accepted d, String why) {
    LOG.info(
        "abandoned delegation "
            + d.requestId()
            + " (task "
            + d.packet().taskId()
            + " of "
            + d.delegatorDid()
            + "): "
            + why
            + "; its hold is released and nothing more is paid for it");
    try {
      mana.release(
          requests.release("delegation:" + d.requestId()), d.holdId(), "delegated task abandoned");
    } catch (RuntimeException e) {
      // The hold expires by itself and returns the rest then.
      LOG.log(Level.WARNING, "releasing the hold of delegation " + d.requestId() + " failed", e);
    }
    live.removeDelegation(d.requestId());
    journal.finished(d.requestId());
  }

  /** The packet's module, checked as any task's. */
  private ModuleInfo module(TaskPacket packet) {
    return validator.module(
        packet.module(),
        packet.moduleCid(),
        validator.maxModuleBytes(),
        packet.limits().memoryBytes() == 0 ? 256L << 20 : packet.limits().memoryBytes(),
        "task.wasm_module");
  }

  /** The task {@code packet} describes, to be done by {@code deadlineMillis}. */
  private TaskSpec task(TaskPacket packet, TreeRoute route, long deadlineMillis) {
    if (!packet.chunk().inline()) {
      // A blob lives in the delegator's store, which this orchestrator's executors cannot read.
      throw new MeshException(
              MeshException.Kind.INVALID_ARGUMENT,
              "INVALID_FIELD",
              "a delegated task carries its chunk in task.chunk_data, not by reference")
          .with("field", "task.chunk_ref");
    }
    Limits limits = validator.limits(packet.limits());
    return new TaskSpec(
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
        options.retryCount(),
        packet.verification(),
        // The delegator's depth, but never more than this orchestrator allows, less this hop.
        Math.max(0, Math.min(packet.delegationDepth(), options.maxDepth()) - 1),
        deadlineMillis,
        Math.max(1, packet.redundancy()),
        route);
  }

  /**
   * The task's path as it arrives here: refused when it names this orchestrator already (a loop),
   * when it is longer than this orchestrator lets work travel, or when its last hop is not the
   * caller.
   */
  private TreeRoute route(TaskPacket packet, String caller) {
    TreeRoute route = packet.route();
    List<String> path = new ArrayList<>(route.path());
    if (path.isEmpty()) {
      // A delegator that does not report a path has passed only itself.
      path.add(caller);
    }
    if (!path.get(path.size() - 1).equals(caller)) {
      throw MeshException.invalidArgument(
              "DELEGATION_PATH_MISMATCH",
              "task.delegation_path ends with "
                  + path.get(path.size() - 1)
                  + ", but the task was delegated by "
                  + caller)
          .with("field", "task.delegation_path");
    }
    if (path.contains(self.did())) {
      throw new MeshException(
              MeshException.Kind.FAILED_PRECONDITION,
              "DELEGATION_LOOP",
              "task "
                  + packet.taskId()
                  + " has already passed this orchestrator ("
                  + self.did()
                  + "); its path is "
                  + String.join(" -> ", path))
          .with("task_id", packet.taskId());
    }
    if (path.size() > options.maxDepth()) {
      throw new MeshException(
              MeshException.Kind.FAILED_PRECONDITION,
              "DELEGATION_TOO_DEEP",
              "task "
                  + packet.taskId()
                  + " has passed "
                  + path.size()
                  + " orchestrators; this one takes tasks that passed at most "
                  + options.maxDepth()
                  + " (orchestrator.max-delegation-depth)")
          .with("max", Integer.toString(options.maxDepth()));
    }
    String strategy = route.splitStrategy();
    if (!strategy.isEmpty()) {
      SplitStrategy parsed;
      try {
        parsed = SplitStrategy.parse(strategy);
      } catch (IllegalArgumentException e) {
        parsed = SplitStrategy.WASM;
      }
      if (parsed != SplitStrategy.LINES && parsed != SplitStrategy.FIXED) {
        throw MeshException.invalidArgument(
                "INVALID_FIELD",
                "task.split_strategy is \""
                    + strategy
                    + "\"; a delegated range is cut by lines,"
                    + " row_based or fixed, or not at all (empty)")
            .with("field", "task.split_strategy");
      }
    }
    return new TreeRoute(
        path, strategy, route.minChunkSize(), route.maxChunkSize(), route.operationWeight());
  }

  private void run(
      TaskSpec task, boolean hasMerge, SubtreeBudget budget, String replyTo, String requestId) {
    long started = clock.millis();
    TaskResult result;
    try {
      SubtreeRun.Outcome outcome = subtrees.run(task, hasMerge, budget);
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
              outcome.fuelUsed(),
              outcome.price(),
              clock.millis() - started,
              new byte[0],
              outcome.subtree());
    } catch (RuntimeException e) {
      LOG.log(Level.INFO, "delegated task " + task.taskId() + " failed", e);
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
    } finally {
      budget.release();
    }
    try {
      // Signed, the result says this orchestrator vouches for its receipt and its price.
      peers.returnResult(replyTo, result.signedBy(self::sign));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "returning delegated task " + task.taskId() + " failed", e);
    } finally {
      // Untracked first: a journal that fails here leaves only a row that the next start
      // abandons, asking the delegator, who no longer awaits it.
      live.removeDelegation(requestId);
      journal.finished(requestId);
    }
  }
}
