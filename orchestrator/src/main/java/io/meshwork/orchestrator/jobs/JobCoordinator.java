package io.meshwork.orchestrator.jobs;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.compute.v1.ChunkProof;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.mesh.v1.JobErrorKind;
import io.meshwork.mesh.v1.JobErrorV1;
import io.meshwork.orchestrator.mesh.ExecutorFleet;
import io.meshwork.orchestrator.mesh.ManaAccounts;
import io.meshwork.orchestrator.mesh.PeerOrchestrators;
import io.meshwork.orchestrator.mesh.ReceiptAnchor;
import io.meshwork.orchestrator.store.JobRecord;
import io.meshwork.orchestrator.store.JobStore;
import io.meshwork.orchestrator.store.TaskRecord;
import io.meshwork.orchestrator.tasks.TaskControl;
import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.orchestrator.tasks.TaskOutcome;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.wasm.abi.FrameList;
import io.meshwork.wasm.abi.HostSplitter;
import io.meshwork.wasm.abi.InvalidModuleException;
import io.meshwork.wasm.abi.ModuleValidator;
import io.meshwork.wasm.abi.SplitStrategy;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The orchestrator's domain core: accepts jobs, holds their budgets, cuts them into tasks, places
 * the tasks, settles each verified result (anchor its receipt, pay its executor), merges, returns
 * the unspent mana, and answers questions about jobs.
 *
 * <p>Every job runs on its own virtual thread, and its tasks on virtual threads bounded by {@code
 * orchestrator.max-parallel-tasks}: the work here is waiting on other services, never computing.
 */
public final class JobCoordinator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(JobCoordinator.class.getName());

  private final ManifestValidator validator;
  private final JobStore store;
  private final ManaAccounts mana;
  private final ReceiptAnchor receipts;
  private final TaskPipeline pipeline;
  private final PeerOrchestrators peers;
  private final ExecutorFleet fleet;
  private final Settings settings;
  private final Clock clock;
  private final String selfDid;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
  // Delegated tasks in progress, by the delegator's request id.
  private final Map<String, TaskSpec> delegations = new ConcurrentHashMap<>();
  private final TaskScheduler scheduler;
  private final CapacityView capacity;
  // Fuel used and input bytes seen per module, from the receipts of settled chunks.
  private final Map<String, double[]> fuelPerByte = new ConcurrentHashMap<>();
  private final ServiceMetrics.Counter jobsSubmitted;
  private final ServiceMetrics.Counter tasksSettled;
  private final ServiceMetrics.Counter manaPaid;

  /** Creates the coordinator over its collaborators. */
  public JobCoordinator(
      Settings settings,
      JobStore store,
      ManaAccounts mana,
      ReceiptAnchor receipts,
      TaskPipeline pipeline,
      PeerOrchestrators peers,
      ExecutorFleet fleet,
      String selfDid,
      Clock clock,
      ServiceMetrics metrics) {
    this.validator = new ManifestValidator(settings);
    this.settings = settings;
    this.store = store;
    this.mana = mana;
    this.receipts = receipts;
    this.pipeline = pipeline;
    this.peers = peers;
    this.fleet = fleet;
    this.selfDid = selfDid;
    this.clock = clock;
    // Planning a job's chunks needs the fleet's capacity, not this instant's: a reading a quarter
    // of a second old spares every executor a call per submitted job.
    this.capacity = new CapacityView(fleet, Duration.ofMillis(250));
    this.scheduler =
        new TaskScheduler(
            settings.integer("orchestrator.max-parallel-tasks", 64),
            settings.longValue("orchestrator.priority-aging-ms", 5_000),
            clock);
    this.jobsSubmitted = metrics.counter("meshwork.orchestrator.jobs", "jobs accepted");
    this.tasksSettled =
        metrics.counter("meshwork.orchestrator.tasks", "tasks verified, paid and anchored");
    this.manaPaid = metrics.counter("meshwork.orchestrator.mana.paid", "mana paid to executors");
    metrics.gauge("meshwork.orchestrator.jobs.running", "jobs in progress", running::size);
  }

  /**
   * Accepts a job: validates it, holds its budget, journals it and starts it. A repeated submission
   * of the same job id and manifest returns the same job.
   */
  public String submit(ComputeJobManifest manifest, Caller caller) {
    JobSpec spec = validator.validate(manifest, caller.did());
    var existing = store.find(spec.jobId());
    if (existing.isPresent()) {
      return sameJobOrConflict(existing.get(), spec);
    }
    String holdId =
        mana.hold(
            "hold:" + spec.jobId(),
            spec.submitterDid(),
            spec.manaBudget(),
            spec.jobId(),
            TimeUnit.SECONDS.toMillis(spec.timeoutSecs() + 300L));
    RunningJob job = new RunningJob(spec);
    job.holdId = holdId;
    job.submittedAt = clock.millis();
    ComputeJobManifest stored = manifest.toBuilder().setJobId(spec.jobId()).build();
    if (!store.insert(record(job, stored.toByteArray()))) {
      // A concurrent identical submission won the race; its hold is the same hold (same request
      // id).
      return sameJobOrConflict(store.find(spec.jobId()).orElseThrow(), spec);
    }
    jobsSubmitted.increment();
    start(job);
    return spec.jobId();
  }

  private static String sameJobOrConflict(JobRecord existing, JobSpec spec) {
    if (existing.submitterDid().equals(spec.submitterDid())
        && Arrays.equals(existing.manifestDigest(), spec.manifestDigest())) {
      return existing.jobId();
    }
    throw new MeshException(
            MeshException.Kind.ALREADY_EXISTS,
            "JOB_ID_IN_USE",
            "job_id '" + spec.jobId() + "' is already used by a different job")
        .with("job_id", spec.jobId());
  }

  /** Resumes every job the journal holds as unfinished (after a restart). */
  public void resumeUnfinished() {
    for (JobRecord r : store.unfinished()) {
      try {
        ComputeJobManifest manifest = ComputeJobManifest.parseFrom(r.manifest());
        JobSpec spec = validator.validate(manifest, r.submitterDid());
        RunningJob job = new RunningJob(spec);
        job.holdId = r.holdId();
        job.submittedAt = r.submittedAt();
        LOG.info("resuming job " + r.jobId());
        start(job);
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        LOG.log(Level.WARNING, "cannot resume job " + r.jobId(), e);
      }
    }
  }

  private void start(RunningJob job) {
    job.recorder = p -> store.savePlacement(job.spec.jobId(), p.toByteArray());
    running.put(job.spec.jobId(), job);
    threads.submit(() -> run(job));
  }

  private void run(RunningJob job) {
    JobSpec spec = job.spec;
    try {
      Map<Integer, TaskRecord> recorded = new HashMap<>();
      TaskRecord mergeRecord = null;
      TaskRecord splitRecord = null;
      for (TaskRecord t : store.tasks(spec.jobId())) {
        // Tasks journaled before a restart are paid again with the same request ids: the ledger
        // answers with the first outcome, so this settles a crash between journal and payment.
        List<TaskRecord.Payment> payments = t.payments();
        for (int i = 0; i < payments.size(); i++) {
          TaskRecord.Payment p = payments.get(i);
          mana.pay(
              payRequestId(t.taskId(), p.executorDid(), i),
              job.holdId,
              p.executorDid(),
              p.price(),
              t.taskId());
          synchronized (job) {
            job.spent += p.price();
          }
        }
        if ("merge".equals(t.exportName())) {
          mergeRecord = t;
        } else if ("split".equals(t.exportName())) {
          splitRecord = t;
        } else {
          recorded.put(t.chunkIndex(), t);
        }
      }
      List<byte[]> chunks =
          spec.splitStrategy() == SplitStrategy.WASM
              ? moduleSplit(job, splitRecord)
              : HostSplitter.split(
                  spec.splitStrategy(), spec.input(), spec.minChunkSize(), chunkBytes(job));
      synchronized (job) {
        job.totalChunks = chunks.size();
        job.completedChunks = recorded.size();
      }
      transition(job, JobState.ASSIGNED);
      transition(job, JobState.COMPUTING);
      byte[][] results = new byte[chunks.size()][];
      recorded.forEach((i, t) -> results[i] = t.result());
      runChunks(job, chunks, results);
      byte[] merged;
      if (spec.moduleInfo().hasMerge()) {
        transition(job, JobState.VERIFYING);
        if (mergeRecord != null) {
          merged = mergeRecord.result();
        } else {
          TaskSpec merge =
              task(
                  job,
                  spec.jobId() + ":merge",
                  chunks.size(),
                  "merge",
                  FrameList.encode(Arrays.asList(results)));
          merged = settle(job, runTask(job, merge));
        }
      } else {
        ByteArrayOutputStream concat = new ByteArrayOutputStream();
        for (byte[] r : results) {
          concat.writeBytes(r);
        }
        merged = concat.toByteArray();
      }
      finish(job, JobState.COMPLETED, merged, "");
    } catch (TaskFailedException e) {
      if (job.cancelRequested) {
        finish(job, JobState.CANCELLED, null, "cancelled by the submitter");
      } else {
        finish(job, JobState.FAILED, null, e.getMessage());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "job " + spec.jobId() + " failed", e);
      finish(
          job,
          job.cancelRequested ? JobState.CANCELLED : JobState.FAILED,
          null,
          String.valueOf(e.getMessage()));
    }
  }

  /**
   * The largest chunk to cut for this job, from its complexity score ({@link ChunkPlan}); fixed in
   * the journal the first time, so that a resumed job cuts the same chunks.
   */
  private long chunkBytes(RunningJob job) {
    JobSpec spec = job.spec;
    if (spec.splitStrategy() == SplitStrategy.NONE) {
      return spec.maxChunkSize();
    }
    var live = capacity.current();
    int free =
        Math.max(0, live.getTaskSlots() - Math.round(live.getCurrentLoad() * live.getTaskSlots()));
    double[] measured = fuelPerByte.get(spec.moduleCid());
    ChunkPlan.Plan plan =
        ChunkPlan.plan(
            spec.input().length,
            spec.operationWeight(),
            measured == null || measured[1] == 0
                ? java.util.OptionalDouble.empty()
                : java.util.OptionalDouble.of(measured[0] / measured[1]),
            free,
            spec.minChunkSize(),
            spec.maxChunkSize(),
            settings);
    long fixed = store.fixChunkSize(spec.jobId(), plan.targetChunkBytes());
    LOG.info(() -> "job " + spec.jobId() + ": " + plan.describe(spec.input().length));
    return fixed;
  }

  /**
   * Chunks from the module's own {@code split}, run as a task of its own on an executor, with a
   * receipt and pay like any other. A journaled split (before a restart) is not run again: its
   * result is in the journal.
   */
  private List<byte[]> moduleSplit(RunningJob job, TaskRecord journaled) {
    byte[] frames =
        journaled != null
            ? journaled.result()
            : settle(
                job,
                runTask(job, task(job, job.spec.jobId() + ":split", 0, "split", job.spec.input())));
    List<byte[]> chunks;
    try {
      chunks = FrameList.decode(frames);
    } catch (IllegalArgumentException e) {
      throw new TaskFailedException(
          "BAD_SPLIT", "split returned something that is not a frame list: " + e.getMessage());
    }
    if (chunks.isEmpty()) {
      throw new TaskFailedException("BAD_SPLIT", "split returned no chunks");
    }
    return chunks;
  }

  private void runChunks(RunningJob job, List<byte[]> chunks, byte[][] results) {
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      if (results[i] != null) {
        continue;
      }
      final int index = i;
      TaskSpec task =
          task(job, job.spec.jobId() + ":" + index, index, "execute", chunks.get(index));
      futures.add(
          threads.submit(
              () -> {
                try {
                  scheduler.acquire(job.spec.priority());
                } catch (InterruptedException e) {
                  throw new TaskFailedException("CANCELLED", "interrupted while queued");
                }
                try {
                  if (job.stopped()) {
                    throw new TaskFailedException("CANCELLED", "job stopped");
                  }
                  results[index] = settle(job, runTask(job, task));
                } finally {
                  scheduler.release();
                }
                return null;
              }));
    }
    RuntimeException first = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (first == null) {
          first =
              e.getCause() instanceof RuntimeException re
                  ? re
                  : new IllegalStateException(e.getCause());
          // One failed chunk fails the job: stop the others rather than pay for wasted work.
          job.abandoned = true;
          job.cancelAssignments();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted");
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private TaskSpec task(RunningJob job, String taskId, int index, String export, byte[] chunk) {
    JobSpec spec = job.spec;
    return new TaskSpec(
        taskId,
        spec.jobId(),
        index,
        export,
        chunk,
        spec.moduleCid(),
        spec.module(),
        spec.limits(),
        spec.manaBudget(),
        spec.operationType(),
        spec.retryCount(),
        spec.verification().wireName(),
        settings.integer("orchestrator.max-delegation-depth", 2),
        job.submittedAt + TimeUnit.SECONDS.toMillis(spec.timeoutSecs()),
        spec.redundancy());
  }

  /**
   * Delegates to a peer when peers exist and the job is heavy for the local executors: its
   * complexity score, input bytes times the operation weight over the local task slots, is above
   * {@code orchestrator.delegation-threshold}.
   */
  private TaskOutcome runTask(RunningJob job, TaskSpec task) {
    List<String> peerList = peers.peers();
    if (!peerList.isEmpty() && task.delegationDepth() > 0 && "execute".equals(task.exportName())) {
      double threshold = settings.decimal("orchestrator.delegation-threshold", 64.0 * (1 << 20));
      if (complexityScore(job.spec) > threshold) {
        return pipeline.runDelegated(task, peerList.get(task.chunkIndex() % peerList.size()), job);
      }
    }
    return pipeline.runOnExecutors(task, job);
  }

  /** {@code data_size * operation_weight / available_capacity}, capacity in task slots. */
  double complexityScore(JobSpec spec) {
    double weight = settings.decimal("orchestrator.operation-weight", 1.0);
    int slots = Math.max(1, fleet.executors().size());
    return spec.input().length * weight / slots;
  }

  /**
   * Anchors the receipts behind the accepted result, journals the task, pays each executor whose
   * run the verification confirmed; returns the bytes.
   */
  private byte[] settle(RunningJob job, TaskOutcome outcome) {
    TaskSpec task = outcome.task();
    List<ExecutionReceipt> toAnchor = new ArrayList<>();
    toAnchor.add(outcome.receipt());
    outcome.alsoPaid().forEach(p -> toAnchor.add(p.receipt()));
    List<ExecutionReceiptAvailableV1> anchoredAll = receipts.anchor(toAnchor);
    ExecutionReceiptAvailableV1 anchored = anchoredAll.get(0);
    List<TaskRecord.Payment> others = new ArrayList<>();
    for (int i = 0; i < outcome.alsoPaid().size(); i++) {
      TaskOutcome.Paid p = outcome.alsoPaid().get(i);
      others.add(
          new TaskRecord.Payment(
              p.receipt().getExecutorDid(),
              p.price(),
              anchoredAll.get(i + 1).getReceiptCid(),
              anchoredAll.get(i + 1).getLogIndex()));
    }
    store.saveTask(
        new TaskRecord(
            task.taskId(),
            task.jobId(),
            task.chunkIndex(),
            task.exportName(),
            outcome.receipt().getExecutorDid(),
            outcome.price(),
            outcome.result(),
            outcome.resultCid(),
            anchored.getReceiptCid(),
            anchored.getLogIndex(),
            others));
    mana.pay(
        payRequestId(task.taskId(), outcome.receipt().getExecutorDid(), 0),
        job.holdId,
        outcome.receipt().getExecutorDid(),
        outcome.price(),
        task.taskId());
    job.paid(outcome.price());
    manaPaid.increment(outcome.price());
    for (int i = 0; i < others.size(); i++) {
      TaskRecord.Payment p = others.get(i);
      mana.pay(
          payRequestId(task.taskId(), p.executorDid(), i + 1),
          job.holdId,
          p.executorDid(),
          p.price(),
          task.taskId());
      job.paid(p.price());
      manaPaid.increment(p.price());
    }
    tasksSettled.increment();
    if ("execute".equals(task.exportName()) && task.chunk().length > 0) {
      fuelPerByte.merge(
          task.moduleCid(),
          new double[] {outcome.receipt().getFuelUsed(), task.chunk().length},
          (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
    }
    if ("execute".equals(task.exportName())) {
      synchronized (job) {
        job.completedChunks++;
      }
      persist(job);
      notifyWatchers(job);
    }
    return outcome.result();
  }

  /**
   * The ledger request id of a task's payment: the accepted result's executor first, then the
   * others that agreed with it, each its own id, so that a replay after a restart pays each once.
   */
  private static String payRequestId(String taskId, String executorDid, int position) {
    return position == 0 ? "pay:" + taskId : "pay:" + taskId + ":" + executorDid;
  }

  private void transition(RunningJob job, JobState state) {
    synchronized (job) {
      job.state = state;
    }
    persist(job);
    notifyWatchers(job);
  }

  private void finish(RunningJob job, JobState state, byte[] result, String error) {
    long refunded = 0;
    try {
      refunded = mana.release("release:" + job.spec.jobId(), job.holdId, "job " + state.wireName());
    } catch (RuntimeException e) {
      // The hold expires on its own and returns the rest; the job's outcome stands.
      LOG.log(
          Level.WARNING, "returning the rest of job " + job.spec.jobId() + "'s budget failed", e);
    }
    synchronized (job) {
      job.state = state;
      job.result = result;
      job.resultCid = result == null ? null : Cid.of(result);
      job.errorMessage = error;
      job.refunded = refunded;
      job.finishedAt = clock.millis();
    }
    try {
      persist(job);
    } finally {
      // Whoever waits for the result hears the outcome even if the journal could not record it
      // (the job then resumes from its last recorded state after a restart).
      notifyWatchers(job);
      running.remove(job.spec.jobId());
      job.done.complete(null);
    }
  }

  /**
   * Writes the job's row as it is now and returns once a snapshot at least this recent is on disk.
   * Writes of one job never overlap, so an older snapshot cannot land after a newer one; callers
   * that arrive while a write is under way wait for it, and then the next writer's snapshot covers
   * them all: many tasks settling at once cost a couple of writes, not one each. The wait releases
   * the job's lock, so nobody spins on it while the journal syncs. The update leaves the submitted
   * columns (the manifest) alone.
   */
  private void persist(RunningJob job) {
    long wanted;
    synchronized (job) {
      wanted = ++job.snapshotsAsked;
    }
    boolean interrupted = false;
    while (true) {
      JobRecord snapshot;
      long covers;
      synchronized (job) {
        while (job.writing && job.snapshotsWritten < wanted) {
          try {
            job.wait();
          } catch (InterruptedException e) {
            // A journal write takes milliseconds: finish waiting for it (a stopping job still
            // records how it ended), and keep the interrupt for the caller.
            interrupted = true;
          }
        }
        if (job.snapshotsWritten >= wanted) {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
          return;
        }
        job.writing = true;
        covers = job.snapshotsAsked;
        snapshot = record(job, null);
      }
      boolean written = false;
      try {
        store.update(snapshot);
        written = true;
      } finally {
        synchronized (job) {
          job.writing = false;
          if (written) {
            job.snapshotsWritten = Math.max(job.snapshotsWritten, covers);
          }
          job.notifyAll();
        }
      }
    }
  }

  private JobRecord record(RunningJob job, byte[] manifest) {
    synchronized (job) {
      return new JobRecord(
          job.spec.jobId(),
          job.spec.submitterDid(),
          job.state.wireName(),
          manifest,
          job.spec.manifestDigest(),
          job.holdId,
          job.spec.manaBudget(),
          job.spent,
          job.refunded,
          job.totalChunks,
          job.completedChunks,
          job.errorMessage,
          job.result,
          job.resultCid,
          job.submittedAt,
          job.finishedAt);
    }
  }

  private void notifyWatchers(RunningJob job) {
    ComputeJobStatus status = status(job);
    for (Consumer<ComputeJobStatus> w : job.watchers) {
      try {
        w.accept(status);
      } catch (RuntimeException e) {
        job.watchers.remove(w);
      }
    }
  }

  /** The status of a job the caller may see. */
  public ComputeJobStatus status(String jobId, Caller caller) {
    RunningJob job = running.get(jobId);
    if (job != null) {
      caller.requireOwnerOrService(job.spec.submitterDid(), "job " + jobId);
      return status(job);
    }
    JobRecord r = find(jobId, caller);
    return status(r);
  }

  private JobRecord find(String jobId, Caller caller) {
    JobRecord r =
        store
            .find(jobId)
            .orElseThrow(
                () ->
                    MeshException.notFound("JOB_NOT_FOUND", "no job has the id '" + jobId + "'")
                        .with("job_id", jobId));
    caller.requireOwnerOrService(r.submitterDid(), "job " + jobId);
    return r;
  }

  private ComputeJobStatus status(RunningJob job) {
    synchronized (job) {
      long elapsed = Math.max(1, clock.millis() - job.submittedAt);
      int left = job.totalChunks - job.completedChunks;
      long eta =
          job.state.terminal() || job.completedChunks == 0
              ? 0
              : elapsed * left / job.completedChunks / 1000;
      return ComputeJobStatus.newBuilder()
          .setJobId(job.spec.jobId())
          .setStatus(job.state.wireName())
          .setProgress(progress(job.state, job.completedChunks, job.totalChunks))
          .setCompletedChunks(job.completedChunks)
          .setTotalChunks(job.totalChunks)
          .setEstimatedTimeRemaining((int) Math.min(Integer.MAX_VALUE, eta))
          .setErrorMsg(job.errorMessage)
          .setManaBudget(job.spec.manaBudget())
          .setManaSpent(job.spent)
          .setManaRefunded(job.refunded)
          .setSubmitterDid(job.spec.submitterDid())
          .setSubmittedAt(job.submittedAt)
          .setFinishedAt(job.finishedAt)
          .setPriority(job.spec.priority().name().toLowerCase(java.util.Locale.ROOT))
          .setVerificationMode(job.spec.verification().wireName())
          .build();
    }
  }

  private static ComputeJobStatus status(JobRecord r) {
    JobState state = JobState.fromWire(r.state());
    ComputeJobManifest manifest;
    try {
      manifest = ComputeJobManifest.parseFrom(r.manifest());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the journal holds an unreadable manifest for " + r.jobId());
    }
    return ComputeJobStatus.newBuilder()
        .setPriority(
            Priority.parse(manifest.getPriority()).name().toLowerCase(java.util.Locale.ROOT))
        .setVerificationMode(VerificationMode.parse(manifest.getVerificationMode()).wireName())
        .setJobId(r.jobId())
        .setStatus(r.state())
        .setProgress(progress(state, r.completedChunks(), r.totalChunks()))
        .setCompletedChunks(r.completedChunks())
        .setTotalChunks(r.totalChunks())
        .setErrorMsg(r.errorMessage() == null ? "" : r.errorMessage())
        .setManaBudget(r.budget())
        .setManaSpent(r.spent())
        .setManaRefunded(r.refunded())
        .setSubmitterDid(r.submitterDid())
        .setSubmittedAt(r.submittedAt())
        .setFinishedAt(r.finishedAt())
        .build();
  }

  private static float progress(JobState state, int completed, int total) {
    if (state == JobState.COMPLETED) {
      return 1.0f;
    }
    return total == 0 ? 0.0f : (float) completed / total;
  }

  /**
   * How each task of a job was placed: bids, winner, why the others lost, who could not take it,
   * and how each attempt ended.
   */
  public List<TaskPlacement> placements(String jobId, Caller caller) {
    RunningJob job = running.get(jobId);
    if (job != null) {
      caller.requireOwnerOrService(job.spec.submitterDid(), "job " + jobId);
    } else {
      find(jobId, caller);
    }
    List<TaskPlacement> out = new ArrayList<>();
    for (byte[] p : store.placements(jobId)) {
      try {
        out.add(TaskPlacement.parseFrom(p));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("the journal holds an unreadable placement of " + jobId);
      }
    }
    return out;
  }

  /**
   * A job's result once it has ended, or its state when {@code wait} runs out first.
   *
   * @param merkleRoot with merkle verification, the hex RFC 9162 root over the chunk results
   * @param chunkProofs with merkle verification, each chunk result with its inclusion proof
   */
  public record JobResult(
      ComputeJobStatus status,
      byte[] result,
      String resultCid,
      List<ReceiptRef> receipts,
      String merkleRoot,
      List<ChunkProof> chunkProofs) {
    JobResult(ComputeJobStatus status, byte[] result, String resultCid, List<ReceiptRef> receipts) {
      this(status, result, resultCid, receipts, "", List.of());
    }
  }

  /** Waits up to {@code wait} for the job to end and returns what it produced. */
  public JobResult result(String jobId, Duration wait, Caller caller) {
    RunningJob job = running.get(jobId);
    if (job != null) {
      caller.requireOwnerOrService(job.spec.submitterDid(), "job " + jobId);
      try {
        job.done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        return new JobResult(status(job), null, null, List.of());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new JobResult(status(job), null, null, List.of());
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    JobRecord r = find(jobId, caller);
    List<ReceiptRef> refs = new ArrayList<>();
    List<TaskRecord> tasks = store.tasks(jobId);
    for (TaskRecord t : tasks) {
      for (TaskRecord.Payment p : t.payments()) {
        refs.add(
            ReceiptRef.newBuilder()
                .setTaskId(t.taskId())
                .setReceiptCid(p.receiptCid())
                .setLogIndex(p.logIndex())
                .setExecutorDid(p.executorDid())
                .setPrice(p.price())
                .build());
      }
    }
    ComputeJobStatus status = status(r);
    if (!"merkle".equals(status.getVerificationMode()) || r.result() == null) {
      return new JobResult(status, r.result(), r.resultCid(), refs);
    }
    // The chunk results as leaves, in chunk order: a client can check any one chunk's result
    // against the root without the others.
    List<TaskRecord> chunks = tasks.stream().filter(t -> "execute".equals(t.exportName())).toList();
    List<byte[]> leaves = new ArrayList<>();
    for (TaskRecord t : chunks) {
      leaves.add(MerkleHash.leaf(t.result()));
    }
    List<ChunkProof> proofs = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      ChunkProof.Builder proof =
          ChunkProof.newBuilder()
              .setChunkIndex(chunks.get(i).chunkIndex())
              .setResultCid(chunks.get(i).resultCid())
              .setTreeSize(chunks.size())
              .setResult(ByteString.copyFrom(chunks.get(i).result()));
      for (byte[] step : MerkleProofs.inclusionProof(leaves, i, chunks.size())) {
        proof.addInclusionPath(ByteString.copyFrom(step));
      }
      proofs.add(proof.build());
    }
    return new JobResult(
        status,
        r.result(),
        r.resultCid(),
        refs,
        HexFormat.of().formatHex(MerkleHash.root(leaves)),
        proofs);
  }

  /**
   * Cancels a running job: running tasks stop, no more are assigned, and the unspent budget
   * returns. Returns false when the job had already ended.
   */
  public boolean cancel(String jobId, Caller caller) {
    RunningJob job = running.get(jobId);
    if (job == null) {
      find(jobId, caller);
      return false;
    }
    caller.requireOwnerOrService(job.spec.submitterDid(), "job " + jobId);
    job.cancelRequested = true;
    job.cancelAssignments();
    try {
      job.done.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      LOG.warning("job " + jobId + " did not stop within 30 s of its cancel");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  /** A registration for status updates; close it to stop receiving them. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Sends the job's current status to {@code watcher} at once and then every change. For a job that
   * has already ended, the one status is all there is.
   */
  public Subscription watch(String jobId, Caller caller, Consumer<ComputeJobStatus> watcher) {
    RunningJob job = running.get(jobId);
    if (job == null) {
      watcher.accept(status(jobId, caller));
      return () -> {};
    }
    caller.requireOwnerOrService(job.spec.submitterDid(), "job " + jobId);
    job.watchers.add(watcher);
    ComputeJobStatus now = status(job);
    watcher.accept(now);
    if (job.done.isDone() && !JobState.fromWire(now.getStatus()).terminal()) {
      // The job ended between the lookup and the registration; send its final state.
      watcher.accept(status(job));
    }
    return () -> job.watchers.remove(watcher);
  }

  /**
   * The bytes of a module that a job or delegated task in progress here uses, for an executor that
   * was assigned one of its tasks without holding the module.
   */
  public byte[] module(String moduleCid, Caller caller) {
    caller.requireService("GetModule");
    for (RunningJob job : running.values()) {
      if (job.spec.moduleCid().equals(moduleCid)) {
        return job.spec.module();
      }
    }
    for (TaskSpec task : delegations.values()) {
      if (task.moduleCid().equals(moduleCid)) {
        return task.module();
      }
    }
    throw MeshException.notFound(
            "MODULE_NOT_FOUND", "no job in progress here uses module " + moduleCid)
        .with("module_cid", moduleCid);
  }

  /**
   * Takes a task another orchestrator delegates: runs it on this orchestrator's executors and
   * returns the result to the delegator's ReturnTaskResult. Pay and anchoring stay with the
   * delegator, which holds the submitter's budget.
   */
  public int acceptDelegation(DelegateTaskRequest request, Caller caller) {
    caller.requireService("DelegateTask");
    ComputeTaskPacket p = request.getTask();
    if (request.getReplyTo().isEmpty()) {
      throw MeshException.invalidArgument("MISSING_REPLY_TO", "reply_to is empty")
          .with("field", "reply_to");
    }
    if (request.getRequestId().isEmpty()) {
      throw MeshException.invalidArgument("MISSING_REQUEST_ID", "request_id is empty")
          .with("field", "request_id");
    }
    if (p.getWasmModule().isEmpty()
        || !Cid.matches(p.getWasmModuleHash(), p.getWasmModule().toByteArray())) {
      throw MeshException.invalidArgument(
              "MODULE_MISMATCH",
              "task.wasm_module is missing or does not match task.wasm_module_hash")
          .with("field", "task.wasm_module");
    }
    try {
      ModuleValidator.validate(
          p.getWasmModule().toByteArray(),
          settings.longValue("limits.max-module-bytes", 16L << 20),
          p.getLimits().getMemoryBytes() == 0 ? 256L << 20 : p.getLimits().getMemoryBytes());
    } catch (InvalidModuleException e) {
      throw MeshException.invalidArgument(
          e.reason(), "task.wasm_module is refused: " + e.getMessage());
    }
    TaskSpec task =
        new TaskSpec(
            p.getTaskId(),
            p.getParentJobId(),
            p.getChunkIndex(),
            p.getExportName().isEmpty() ? "execute" : p.getExportName(),
            p.getChunkData().toByteArray(),
            p.getWasmModuleHash(),
            p.getWasmModule().toByteArray(),
            validator.limits(p.getLimits()),
            p.getMaxPrice(),
            "",
            settings.integer("orchestrator.delegated-retry-count", 2),
            p.getVerificationMode().isEmpty() ? "hash" : p.getVerificationMode(),
            Math.max(0, p.getDelegationDepth() - 1),
            clock.millis() + (p.getTimeoutMs() == 0 ? 300_000 : p.getTimeoutMs()),
            1);
    if (delegations.putIfAbsent(request.getRequestId(), task) != null) {
      return 0;
    }
    threads.submit(() -> runDelegation(request, task));
    return task.limits().getWallTimeMs();
  }

  private void runDelegation(DelegateTaskRequest request, TaskSpec task) {
    DelegatedBudget budget = new DelegatedBudget(task.maxPrice());
    ComputeTaskResult.Builder result =
        ComputeTaskResult.newBuilder()
            .setTaskId(task.taskId())
            .setAssignmentId(request.getRequestId())
            .setWorkerId(selfDid);
    long started = clock.millis();
    try {
      TaskOutcome outcome = pipeline.runOnExecutors(task, budget);
      result
          .setStatus("completed")
          .setResultData(ByteString.copyFrom(outcome.result()))
          .setResultHash(outcome.resultCid())
          .addReceipts(outcome.receipt())
          .setPrice(outcome.price())
          .setFuelUsed(outcome.receipt().getFuelUsed());
    } catch (RuntimeException e) {
      result
          .setStatus("failed")
          .setError(
              JobErrorV1.newBuilder()
                  .setJobId(task.taskId())
                  .setExecutorDid(selfDid)
                  .setKind(JobErrorKind.JOB_ERROR_KIND_INTERNAL)
                  .setMessage(String.valueOf(e.getMessage()))
                  .setTimestamp(clock.millis()));
    }
    result.setExecutionTimeMs(clock.millis() - started);
    try {
      peers.returnResult(
          request.getReplyTo(), ReturnTaskResultRequest.newBuilder().setResult(result).build());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "returning delegated task " + task.taskId() + " failed", e);
    } finally {
      delegations.remove(request.getRequestId());
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

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
