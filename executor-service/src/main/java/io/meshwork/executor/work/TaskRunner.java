package io.meshwork.executor.work;

import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.tracing.Spans;
import io.meshwork.runtime.tracing.TraceSpan;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.WasmEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs assigned tasks: at most {@code slots} at once, at most {@code queueLimit} waiting, each in a
 * fresh sandbox instance, and reports every outcome with a signed receipt or a precise error.
 *
 * <p>The slot semaphore, not the thread pool, bounds how many modules run at once: a queued task
 * waits on a cheap virtual thread, and only a task holding a slot starts a sandbox thread.
 *
 * <p>An assignment is admitted first (against the queue limit), and only then is its module looked
 * up, fetched if it is not cached and the packet does not carry it, and handed to the {@link
 * ModuleCompiler}, which compiles it on a thread of its own while the task waits on its virtual
 * thread. So the gRPC thread that delivered the assignment never compiles, and a compilation that
 * fails or takes too long fails its task like any other failure in the sandbox.
 *
 * <p>A chunk sent by reference (a range of a blob, see {@link ReferencedChunks}) is checked at
 * admission and fetched by the task itself, once it holds its slot and before the sandbox is
 * called, so that admission stays quick and a download counts against the slots like the run it
 * feeds.
 */
public final class TaskRunner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TaskRunner.class.getName());

  /** Why an assignment was not taken. */
  public enum Refusal {
    MODULE_MISSING,
    BUSY,
    MODULE_INVALID,
    /** The packet's chunk reference is malformed, or comes beside inline chunk bytes. */
    CHUNK_REF_INVALID,
    /** The executor drains: it finishes what it has and takes nothing new. */
    DRAINING
  }

  /**
   * The answer to an assignment: accepted, or refused with a reason.
   *
   * @param waiting accepted, but every slot is taken, so the task waits in the queue
   * @param result the task's result when it was asked for inline and ended in time (it is then not
   *     delivered through the orchestrator link); null otherwise
   */
  public record Acceptance(
      Refusal refusal, String message, boolean waiting, ComputeTaskResult result) {
    Acceptance(Refusal refusal, String message) {
      this(refusal, message, false, null);
    }

    /** Whether the task was queued. */
    public boolean accepted() {
      return refusal == null;
    }
  }

  private final SandboxRun sandbox;
  private final ModuleCompiler modules;
  private final OrchestratorLink orchestrators;
  private final ReferencedChunks chunks;
  private final PresignedChunks presigned;
  private final Clock clock;
  private final int slots;
  private final int queueLimit;
  private final Semaphore running;
  private final AtomicInteger admitted = new AtomicInteger();
  private final AtomicInteger active = new AtomicInteger();
  // Runs that are over and whose results are still being handed back: they hold neither a slot
  // nor an admission place, but a drain waits for them.
  private final AtomicInteger delivering = new AtomicInteger();
  // A task runs in the trace of the assignment that admitted it.
  private final ExecutorService threads =
      Spans.propagating(Executors.newVirtualThreadPerTaskExecutor());
  private final Map<String, AdmittedTask> assignments = new ConcurrentHashMap<>();
  // What retried AssignTask calls must find: assignments that already ran, and inline answers.
  private final FinishedAssignments finished = new FinishedAssignments();
  private final ExecutionHistory history = new ExecutionHistory();
  // Set once by drain(); read on every admission after the admitted count is raised, so that an
  // admission racing the drain is either refused or counted by awaitIdle.
  private volatile boolean draining;
  private final Object idle = new Object();
  private final Commitments commitments = new Commitments(4096, 256L << 20);
  private final ServiceMetrics.Counter completed;
  private final ServiceMetrics.Counter failed;

  /**
   * Creates a runner whose modules compile into {@code modules}, up to 64 at once and at most a
   * minute each, and which reads presigned chunk URLs over https only: for tests that do not look
   * at compilation.
   */
  public TaskRunner(
      WasmEngine engine,
      ModuleCache modules,
      Identity identity,
      OrchestratorLink orchestrators,
      ChunkCache chunkCache,
      Clock clock,
      int slots,
      int queueLimit,
      long maxInputBytes,
      ServiceMetrics metrics) {
    this(
        engine,
        new ModuleCompiler(engine, modules, 64, Duration.ofMinutes(1), metrics),
        identity,
        orchestrators,
        chunkCache,
        new PresignedChunks(false, clock),
        clock,
        slots,
        queueLimit,
        maxInputBytes,
        metrics);
  }

  /**
   * Creates a runner that compiles its modules with {@code compiler}, keeps the chunks it fetches
   * in {@code chunkCache}, and reads chunks whose reference carries a URL through {@code
   * presigned}, which it closes when it closes.
   */
  public TaskRunner(
      WasmEngine engine,
      ModuleCompiler compiler,
      Identity identity,
      OrchestratorLink orchestrators,
      ChunkCache chunkCache,
      PresignedChunks presigned,
      Clock clock,
      int slots,
      int queueLimit,
      long maxInputBytes,
      ServiceMetrics metrics) {
    this.modules = compiler;
    this.orchestrators = orchestrators;
    this.presigned = presigned;
    this.chunks = new ReferencedChunks(orchestrators, chunkCache, maxInputBytes, presigned);
    this.clock = clock;
    this.slots = slots;
    this.queueLimit = queueLimit;
    this.sandbox = new SandboxRun(engine, identity, chunks, history, clock, maxInputBytes);
    this.running = new Semaphore(slots, true);
    this.completed =
        metrics.counter("meshwork.executor.tasks", "tasks run", "outcome", "completed");
    this.failed = metrics.counter("meshwork.executor.tasks", "tasks run", "outcome", "failed");
    metrics.gauge("meshwork.executor.tasks.running", "tasks running", active::get);
    metrics.gauge("meshwork.executor.tasks.admitted", "tasks running or queued", admitted::get);
  }

  /** Task slots. */
  public int slots() {
    return slots;
  }

  /** Tasks running now. */
  public int runningTasks() {
    return active.get();
  }

  /** Tasks waiting for a slot. */
  public int queuedTasks() {
    return Math.max(0, admitted.get() - active.get());
  }

  /** (running + queued) / slots. */
  public double load() {
    return (double) admitted.get() / slots;
  }

  /** Whether another task can be admitted now. */
  public boolean hasRoom() {
    return admitted.get() < slots + queueLimit;
  }

  /** Whether the module is compiled and cached here. */
  public boolean hasModule(String moduleCid) {
    return modules.cached(moduleCid).isPresent();
  }

  /**
   * Fuel a task of {@code inputBytes} for {@code moduleCid} should need, from what this module's
   * earlier chunks used per byte here; empty when it has not run here yet.
   */
  public OptionalLong fuelEstimate(String moduleCid, long inputBytes) {
    return history.fuelEstimate(moduleCid, inputBytes);
  }

  /** Milliseconds a task should take on one slot here, from the same history; empty if unknown. */
  public OptionalLong timeEstimateMillis(String moduleCid, long inputBytes) {
    return history.timeEstimateMillis(moduleCid, inputBytes);
  }

  /**
   * Refuses new assignments from now on ({@link Refusal#DRAINING}); those admitted already, queued
   * or running, still run and deliver, and retries of them are still answered.
   */
  public void drain() {
    draining = true;
  }

  /** Whether {@link #drain} was called. */
  public boolean draining() {
    return draining;
  }

  /**
   * Waits until no admitted task is left, each having delivered its result (or answered it inline),
   * or until {@code timeout}; returns whether none is left.
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      while (admitted.get() + delivering.get() > 0) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        // Bounded waits: admissions refused while draining lower the count without a notify.
        TimeUnit.NANOSECONDS.timedWait(idle, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    }
    return true;
  }

  /** Compiled modules in the cache. */
  public int cachedModules() {
    return modules.cachedModules();
  }

  /**
   * Admits an assignment. The same assignment id admitted twice runs once (a retried AssignTask).
   *
   * @param orchestratorDid the authenticated caller that assigned it
   */
  public Acceptance assign(
      AssignJobV1 assignment,
      ComputeTaskPacket task,
      String resultEndpoint,
      String orchestratorDid) {
    return assign(assignment, task, resultEndpoint, orchestratorDid, false);
  }

  /**
   * Admits an assignment; with {@code commitFirst}, the result is delivered as a commitment only
   * (the signed receipt, which names the output CID, without the bytes) and the bytes wait here for
   * {@link #reveal}.
   */
  public Acceptance assign(
      AssignJobV1 assignment,
      ComputeTaskPacket task,
      String resultEndpoint,
      String orchestratorDid,
      boolean commitFirst) {
    return assign(assignment, task, resultEndpoint, orchestratorDid, commitFirst, 0);
  }

  /**
   * Admits an assignment as above; when {@code inlineWaitMillis} is positive, waits up to that long
   * for it to end (queued or not) and answers with its result, which is then not delivered through
   * the orchestrator link. A task that has not ended by then is delivered as usual.
   */
  public Acceptance assign(
      AssignJobV1 assignment,
      ComputeTaskPacket task,
      String resultEndpoint,
      String orchestratorDid,
      boolean commitFirst,
      long inlineWaitMillis) {
    return admit(assignment, task, resultEndpoint, orchestratorDid, commitFirst, inlineWaitMillis)
        .answer();
  }

  /**
   * Admits an assignment without waiting for anything: several assignments admitted one after the
   * other take their queue places in that order, and their answers can then be awaited together.
   * Every admission must be answered ({@link Admission#answer}), since one that asked for its
   * result inline holds it for that answer.
   */
  public Admission admit(
      AssignJobV1 assignment,
      ComputeTaskPacket task,
      String resultEndpoint,
      String orchestratorDid,
      boolean commitFirst,
      long inlineWaitMillis) {
    String id = assignment.getAssignmentId();
    boolean inline = inlineWaitMillis > 0;
    AdmittedTask existing = assignments.get(id);
    if (existing != null || finished.ran(id)) {
      return again(id, existing, inlineWaitMillis);
    }
    String badReference = chunks.refusal(task);
    if (badReference != null) {
      return Admission.decided(new Acceptance(Refusal.CHUNK_REF_INVALID, badReference));
    }
    // Admission comes first: a full executor refuses before it fetches or compiles anything.
    int now = admitted.incrementAndGet();
    if (draining) {
      admitted.decrementAndGet();
      return Admission.decided(
          new Acceptance(Refusal.DRAINING, "this executor drains: it takes no new tasks"));
    }
    if (now > slots + queueLimit) {
      admitted.decrementAndGet();
      return Admission.decided(
          new Acceptance(
              Refusal.BUSY,
              "all " + slots + " slots and " + queueLimit + " queue places are taken"));
    }
    ModuleCompiler.Pending module;
    try {
      Optional<ModuleCompiler.Pending> started = module(task, resultEndpoint);
      if (started.isEmpty()) {
        admitted.decrementAndGet();
        return Admission.decided(new Acceptance(Refusal.BUSY, modules.busyMessage()));
      }
      module = started.get();
    } catch (SandboxException e) {
      admitted.decrementAndGet();
      return Admission.decided(new Acceptance(Refusal.MODULE_INVALID, e.getMessage()));
    } catch (RuntimeException e) {
      admitted.decrementAndGet();
      return Admission.decided(
          new Acceptance(
              Refusal.MODULE_MISSING,
              "module "
                  + task.getWasmModuleHash()
                  + " is not cached here and fetching it from "
                  + resultEndpoint
                  + " failed: "
                  + e.getMessage()));
    }
    // Registered before the thread starts, so that a task finishing at once still finds itself
    // and a cancel that arrives first still reaches it.
    AdmittedTask entry = new AdmittedTask(orchestratorDid);
    AdmittedTask raced = assignments.putIfAbsent(id, entry);
    if (raced != null) {
      admitted.decrementAndGet();
      return again(id, raced, inlineWaitMillis);
    }
    if (inline) {
      // A queued task may still be answered inline: behind short tasks its turn comes soon.
      entry.wantInline();
    }
    threads.execute(
        () -> run(entry, assignment, task, module, resultEndpoint, orchestratorDid, commitFirst));
    if (!inline) {
      return Admission.decided(new Acceptance(null, "", now > slots, null));
    }
    return new Admission(null, entry, inlineWaitMillis, null);
  }

  /**
   * An admitted or refused assignment whose answer may still have to wait for the task's result.
   */
  public static final class Admission {
    private final Acceptance decided;
    private final AdmittedTask entry;
    private final long inlineWaitMillis;
    // For a retried assignment: the remembered inline answers, looked up when the wait brought
    // none (the first call may have been answered with it and given up).
    private final Supplier<ComputeTaskResult> remembered;

    private Admission(
        Acceptance decided,
        AdmittedTask entry,
        long inlineWaitMillis,
        Supplier<ComputeTaskResult> remembered) {
      this.decided = decided;
      this.entry = entry;
      this.inlineWaitMillis = inlineWaitMillis;
      this.remembered = remembered;
    }

    private static Admission decided(Acceptance acceptance) {
      return new Admission(acceptance, null, 0, null);
    }

    /** Whether {@link #answer} returns at once (nothing to wait for). */
    public boolean decided() {
      return decided != null;
    }

    /**
     * The answer to the assignment: at once when it was refused or no inline result was asked for;
     * otherwise once the task has ended or the inline wait is over. Call it exactly once.
     */
    public Acceptance answer() {
      if (decided != null) {
        return decided;
      }
      ComputeTaskResult result = entry == null ? null : entry.awaitInline(inlineWaitMillis);
      if (result == null && remembered != null) {
        result = remembered.get();
      }
      // Queued means not started by the time of this answer (work stealing may take it back).
      boolean waiting = result == null && entry != null && !entry.hasStarted();
      return new Acceptance(null, "", waiting, result);
    }
  }

  /**
   * The answer to an assignment seen before (a retried AssignTask): accepted, and never run twice.
   * A retry asking for the result inline gets it like the first call would have, whether the task
   * is still on its way (the retry waits for it too) or already answered inline to a call its
   * caller had given up on (the result is remembered for a while for exactly this).
   */
  private Admission again(String id, AdmittedTask existing, long inlineWaitMillis) {
    if (inlineWaitMillis <= 0) {
      boolean waiting = existing != null && !existing.hasStarted();
      return Admission.decided(new Acceptance(null, "", waiting, null));
    }
    if (existing != null) {
      existing.wantInline();
    }
    return new Admission(null, existing, inlineWaitMillis, () -> finished.inlineAnswer(id));
  }

  /**
   * The task's module on its way: from the cache, else compiled from the packet's bytes, else
   * fetched by its CID from the assigning orchestrator (the bid said it was cached, and it has been
   * evicted since, or the orchestrator chose to send only the hash). Empty when it must be compiled
   * and every compile place is taken.
   */
  private Optional<ModuleCompiler.Pending> module(ComputeTaskPacket task, String endpoint)
      throws SandboxException {
    String cid = task.getWasmModuleHash();
    if (task.getWasmModule().isEmpty()) {
      var cached = modules.cached(cid);
      if (cached.isPresent()) {
        CompiledModule module = cached.get();
        return Optional.of(() -> module);
      }
    }
    byte[] bytes =
        task.getWasmModule().isEmpty()
            ? orchestrators.fetchModule(endpoint, cid)
            : task.getWasmModule().toByteArray();
    if (!Cid.matches(cid, bytes)) {
      throw new SandboxException(
          FailureKind.INVALID_MODULE,
          "the module bytes do not match wasm_module_hash " + cid,
          null);
    }
    return modules.start(cid, bytes);
  }

  /** Stops a queued or running assignment; its result is never delivered. */
  public boolean cancel(String assignmentId) {
    return cancel(assignmentId, false);
  }

  /**
   * Stops an assignment; with {@code onlyIfQueued}, only one that has not started (so that an idle
   * executor can take it over), and a running one goes on. Returns whether it was stopped.
   */
  public boolean cancel(String assignmentId, boolean onlyIfQueued) {
    return cancel(assignmentId, onlyIfQueued, null);
  }

  /**
   * Stops an assignment as {@link #cancel(String, boolean)} does, on behalf of the orchestrator
   * {@code callerDid}, which must be the one that assigned it.
   *
   * @throws io.meshwork.runtime.errors.MeshException PERMISSION_DENIED {@code NOT_THE_ASSIGNER} for
   *     another orchestrator's assignment
   */
  public boolean cancel(String assignmentId, boolean onlyIfQueued, String callerDid) {
    AdmittedTask entry = assignments.get(assignmentId);
    if (entry != null && callerDid != null && !callerDid.equals(entry.orchestratorDid())) {
      throw Commitments.notTheAssigner(assignmentId, "cancel it");
    }
    if (entry == null || !entry.cancel(onlyIfQueued)) {
      return false;
    }
    assignments.remove(assignmentId, entry);
    return true;
  }

  /**
   * The bytes of a result delivered as a commitment, for the orchestrator that assigned it.
   *
   * @throws io.meshwork.runtime.errors.MeshException NOT_FOUND when nothing is committed under that
   *     id (never run here, or forgotten), PERMISSION_DENIED for another orchestrator
   */
  public byte[] reveal(String assignmentId, String callerDid) {
    return commitments.reveal(assignmentId, callerDid);
  }

  private void run(
      AdmittedTask entry,
      AssignJobV1 assignment,
      ComputeTaskPacket task,
      ModuleCompiler.Pending pending,
      String endpoint,
      String orchestratorDid,
      boolean commitFirst) {
    String id = assignment.getAssignmentId();
    boolean holding = false;
    boolean placed = true;
    try {
      if (!entry.start(Thread.currentThread())) {
        return;
      }
      // The module compiles before the task takes a slot: compilation has places of its own.
      CompiledModule module = null;
      ComputeTaskResult result = null;
      try {
        module = pending.await();
      } catch (SandboxException unusable) {
        result = sandbox.failed(assignment, task, unusable, clock.millis());
      }
      if (module != null) {
        running.acquire();
        holding = true;
        if (!entry.begin()) {
          return;
        }
        active.incrementAndGet();
        try (TraceSpan span = Spans.start("execution")) {
          span.attribute("meshwork.task_id", task.getTaskId())
              .attribute("meshwork.assignment_id", id)
              .attribute("meshwork.export", task.getExportName());
          result = sandbox.execute(assignment, task, module, endpoint, orchestratorDid);
          span.attribute("meshwork.status", result.getStatus());
        }
      }
      // The run is over: its slot and its admission place go to the next task now rather than
      // after the delivery, which can wait up to its deadline on an orchestrator that has gone
      // (a killed leader, whose successor is assigning the same work here meanwhile).
      delivering.incrementAndGet();
      if (holding) {
        leaveSlot(entry);
        holding = false;
      }
      admitted.decrementAndGet();
      placed = false;
      if (commitFirst && result.getStatus().equals("completed")) {
        // The receipt already commits to the output CID; the bytes stay here until revealed.
        commitments.keep(id, orchestratorDid, result.getResultData().toByteArray());
        result = result.toBuilder().setStatus("committed").clearResultData().build();
      }
      // Known as run before it leaves the live assignments, so that a retried assignment never
      // finds it in neither and runs it again.
      finished.add(id);
      // An inline answer is remembered before the run leaves the live assignments too: a retry
      // finds either the live entry (and its answer) or the remembered answer, never neither.
      boolean inline = entry.offerInline(result);
      if (inline) {
        finished.answeredInline(id, result);
      }
      boolean live = assignments.remove(id) != null;
      if (live || inline) {
        (result.getStatus().equals("completed") ? completed : failed).increment();
      }
      if (live && !inline) {
        orchestrators.deliver(endpoint, result);
      }
    } catch (InterruptedException e) {
      // Cancelled while queued or running: nothing is delivered.
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "delivering the result of " + id + " failed", e);
    } finally {
      if (holding) {
        leaveSlot(entry);
      }
      finished.add(id);
      assignments.remove(id);
      (placed ? admitted : delivering).decrementAndGet();
      if (draining && admitted.get() + delivering.get() == 0) {
        synchronized (idle) {
          idle.notifyAll();
        }
      }
    }
  }

  private void leaveSlot(AdmittedTask entry) {
    if (entry.hasStarted()) {
      active.decrementAndGet();
    }
    running.release();
  }

  @Override
  public void close() {
    assignments.values().forEach(AdmittedTask::cancel);
    threads.shutdownNow();
    presigned.close();
  }
}
