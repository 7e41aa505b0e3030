package io.meshwork.orchestrator.jobs;

import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.tasks.ExecutorFleet;
import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.orchestrator.tasks.TreeRoute;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.tracing.Spans;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A job's life from submission to its end: accept it (validate, hold its budget, journal it), cut
 * it into tasks, have each placed and settled, merge, and finish (return the unspent mana); resume
 * what the journal left unfinished, and cancel on request.
 *
 * <p>Every job runs on its own virtual thread, and its tasks on virtual threads admitted by the
 * {@link TaskScheduler}: the work here is waiting on other services, never computing. The read side
 * is {@link #queries()}, tasks delegated here by peers are {@link #delegations()}.
 */
public final class JobCoordinator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(JobCoordinator.class.getName());

  /**
   * How jobs are run.
   *
   * @param manifests the defaults and caps submitted jobs are checked against
   * @param maxParallelTasks tasks of all jobs placed at once
   * @param priorityAging how long a waiting task takes to rise one priority level
   * @param maxDelegationDepth how many times a task of a job submitted here may be delegated on
   * @param maxDelegationFanOut the most peers one task's parts are handed to
   * @param delegatedRetryCount attempts beyond the first for a task delegated here
   * @param splitThreshold the chunk plan's score at or below which a job is one task
   * @param scanFuelPerByte the chunk plan's unit of measured weight
   * @param maxJobsPerUser jobs one submitter may have running or queued at once
   * @param maxResultWait the longest a caller may wait for a job's result in one call
   * @param maxDelegationsPerPeer tasks one peer may have delegated here and still open
   * @param inlineChunkBytes the largest chunk of a stored input sent inside its task; larger ones
   *     go by reference
   * @param inlineResultBytes the largest result kept in the journal and answered inline; larger
   *     results of the job and of its tasks are kept in the blob store
   * @param holdLease how long a job's hold lives past its last extension ({@link PaymentOutbox})
   */
  public record Options(
      ManifestValidator.Options manifests,
      int maxParallelTasks,
      Duration priorityAging,
      int maxDelegationDepth,
      int maxDelegationFanOut,
      int delegatedRetryCount,
      double splitThreshold,
      double scanFuelPerByte,
      int maxJobsPerUser,
      Duration maxResultWait,
      int maxDelegationsPerPeer,
      long inlineChunkBytes,
      long inlineResultBytes,
      Duration holdLease) {
    /** The defaults of docs/CONFIGURATION.md. */
    public static Options defaults() {
      return new Options(
          ManifestValidator.Options.defaults(),
          64,
          Duration.ofSeconds(5),
          2,
          8,
          2,
          16 << 20,
          10.0,
          64,
          Duration.ofMinutes(5),
          64,
          1 << 20,
          4 << 20,
          Duration.ofMinutes(10));
    }
  }

  private final Options options;
  private final ManifestValidator validator;
  private final JobStore store;
  private final ManaAccounts mana;
  private final TaskPipeline pipeline;
  private final PeerOrchestrators peers;
  private final Clock clock;
  // The job's threads run in the trace of the call that submitted it.
  private final ExecutorService threads =
      Spans.propagating(Executors.newVirtualThreadPerTaskExecutor());
  private final LiveJobs live = new LiveJobs();
  private final TaskScheduler scheduler;
  private final ChunkPlanner planner;
  private final TreeCapacity capacity;
  private final PartRunner runner;
  private final JobParts jobParts;
  private final JobProgress progress;
  private final Settlement settlement;
  private final PaymentOutbox outbox;
  private final JobQueries queries;
  private final DelegationIntake delegations;
  private final LedgerRequests requests;
  private final InputBlobs blobs;
  private final InputChunks inputs;
  private final ResultStorage results;
  private final UrlInputFetch urlInputs;
  private final ServiceMetrics.Counter jobsSubmitted;
  private final Backlog backlog;
  private final JobFinish finish;
  private final JobStatements statements;
  // Set by close(): runs interrupted from then on were broken off, not failed.
  private volatile boolean closing;

  /**
   * Creates the coordinator over its ports: the journal, the ledger, the receipt log, the blob
   * store (inputs read from it, large results written to it) and what fetches URL inputs into it,
   * the mesh.
   */
  public JobCoordinator(
      Options options,
      JobStore store,
      ManaAccounts mana,
      ReceiptLog receipts,
      InputBlobs blobs,
      ResultBlobs resultBlobs,
      UrlInputs urls,
      TaskPipeline pipeline,
      PeerOrchestrators peers,
      ExecutorFleet fleet,
      Identity self,
      Clock clock,
      ServiceMetrics metrics) {
    this.options = options;
    this.validator = new ManifestValidator(options.manifests());
    this.store = store;
    this.mana = mana;
    this.blobs = blobs;
    this.inputs = new InputChunks(blobs, options.inlineChunkBytes());
    this.results =
        new ResultStorage(
            blobs, resultBlobs, options.inlineResultBytes(), options.inlineChunkBytes());
    this.pipeline = pipeline;
    this.peers = peers;
    this.clock = clock;
    this.scheduler =
        new TaskScheduler(options.maxParallelTasks(), options.priorityAging().toMillis(), clock);
    ModuleCosts costs = new ModuleCosts();
    // Planning a job's chunks needs the fleet's capacity, not this instant's: a reading a quarter
    // of a second old spares every executor (and peer) a call per submitted job.
    this.capacity =
        new TreeCapacity(
            new CapacityView(fleet, Duration.ofMillis(250)),
            peers,
            options.maxDelegationDepth(),
            Duration.ofMillis(250));
    this.planner =
        new ChunkPlanner(
            capacity,
            costs,
            store,
            new ChunkPlan.Options(
                options.splitThreshold(),
                options.scanFuelPerByte(),
                options.manifests().minChunkBytes(),
                options.manifests().maxChunks(),
                options.maxDelegationFanOut()));
    this.runner = new PartRunner(pipeline, self.did(), inputs::inlined);
    this.progress = new JobProgress(new JournalWriter(store), clock);
    this.urlInputs = new UrlInputFetch(urls, blobs, store, validator, progress);
    this.requests = new LedgerRequests(self.did());
    SettlementGaps gaps = SettlementGaps.discovered();
    this.outbox =
        new PaymentOutbox(
            store,
            mana,
            requests,
            gaps,
            clock,
            PaymentOutbox.Options.withLease(options.holdLease()),
            metrics);
    this.settlement =
        new Settlement(receipts, store, costs, progress, results, outbox, gaps, clock, metrics);
    this.queries =
        new JobQueries(live, store, clock, options.maxResultWait(), pipeline::assignsModule);
    this.delegations =
        new DelegationIntake(
            validator,
            new SubtreeRun(planner, runner, threads),
            peers,
            live,
            threads,
            clock,
            self,
            mana,
            receipts,
            requests,
            store.delegations(),
            new DelegationIntake.Options(
                options.delegatedRetryCount(),
                options.maxDelegationsPerPeer(),
                options.maxDelegationDepth()));
    this.jobParts =
        new JobParts(
            planner,
            capacity,
            inputs,
            results,
            settlement,
            pipeline,
            runner,
            scheduler,
            threads,
            clock,
            options.manifests().maxChunks(),
            options.maxDelegationDepth());
    this.finish = new JobFinish(outbox, blobs, progress, live, clock);
    this.statements = new JobStatements(store, receipts, self.did());
    this.jobsSubmitted = metrics.counter("meshwork.orchestrator.jobs", "jobs accepted");
    metrics.gauge("meshwork.orchestrator.jobs.running", "jobs in progress", live::size);
    this.backlog = new Backlog(live, costs, options.scanFuelPerByte());
    metrics.gauge(
        "meshwork.orchestrator.backlog", "work to do, in weighted bytes", backlog::weightedBytes);
  }

  /** The read side: status, results, placements, watching. */
  public JobQueries queries() {
    return queries;
  }

  /** The work still to do here, in weighted bytes (input bytes times operation weight). */
  public double backlog() {
    return backlog.weightedBytes();
  }

  /** Tasks peer orchestrators delegate here. */
  public DelegationIntake delegations() {
    return delegations;
  }

  /** What work here can be put on: executors here and, so many levels down, peers. */
  public TreeCapacity capacity() {
    return capacity;
  }

  /** Settlement calls that failed and were tried again (for tests). */
  long settlementRetries() {
    return outbox.retries();
  }

  /** Whether the outbox still owes payments of the job or has its hold to release (for tests). */
  boolean settling(String jobId) {
    return outbox.open(jobId);
  }

  /** Tasks waiting for one of the places the scheduler gives out (for tests). */
  int tasksWaiting() {
    return scheduler.waitingCount();
  }

  /**
   * Accepts a job: validates it, holds its budget, journals it and starts it. A repeated submission
   * of the same job id and manifest returns the same job.
   */
  public String submit(JobManifest manifest, Caller caller) {
    JobSpec spec = validator.validate(manifest, caller.did(), blobs);
    var existing = store.find(spec.jobId());
    if (existing.isPresent()) {
      String jobId = sameJobOrConflict(existing.get(), spec);
      // The first submission may have been journaled with its answer lost (a commit whose
      // acknowledgement never came back fails the call): then nothing runs the job yet, and the
      // retry starts it, as a restart would.
      if (!existing.get().state().terminal() && live.get(jobId) == null) {
        resume(existing.get());
      }
      return jobId;
    }
    urlInputs.check(spec);
    live.admitWithin(spec.submitterDid(), options.maxJobsPerUser());
    boolean started = false;
    try {
      String holdId =
          mana.hold(
              requests.hold(spec.jobId()),
              spec.submitterDid(),
              spec.manaBudget(),
              spec.jobId(),
              // A lease the outbox extends while the job lives, not the job's whole timeout: an
              // orchestrator gone for good leaves the hold to expire soon after.
              options.holdLease().toMillis());
      RunningJob job = new RunningJob(spec);
      job.holdId = holdId;
      job.submittedAt = clock.millis();
      if (!store.insert(JournalWriter.record(job, manifest.withJobId(spec.jobId())))) {
        // A concurrent identical submission won the race; its hold is the same hold (same
        // request id).
        return sameJobOrConflict(store.find(spec.jobId()).orElseThrow(), spec);
      }
      jobsSubmitted.increment();
      outbox.opened(spec.jobId(), spec.submitterDid(), spec.manaBudget(), holdId);
      start(job);
      started = true;
      return spec.jobId();
    } finally {
      if (!started) {
        live.release(spec.submitterDid());
      }
    }
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

  /**
   * Resumes every job the journal holds as unfinished (after a restart), and resumes or abandons
   * the tasks peers had delegated here and that were not finished.
   */
  public void resumeUnfinished() {
    // First what the journal shows owed, so that resumed jobs find their accounts open.
    try {
      outbox.recover();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot take up the payments the journal shows owed", e);
    }
    delegations.recoverOpen();
    for (JobRecord r : store.unfinished()) {
      try {
        resume(r);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "cannot resume job " + r.jobId(), e);
      }
    }
  }

  private void resume(JobRecord r) {
    JobSpec spec = validator.validate(r.manifest(), r.submitterDid(), blobs);
    RunningJob job = new RunningJob(spec);
    job.holdId = r.holdId();
    job.submittedAt = r.submittedAt();
    // Open already when the outbox took it up from the journal; this covers a job resumed by a
    // retried submission before that.
    outbox.opened(r.jobId(), r.submitterDid(), r.budget(), r.holdId());
    // Accepted before: it counts against its submitter, over the limit or not.
    live.admit(spec.submitterDid());
    if (start(job)) {
      LOG.info("resuming job " + r.jobId());
    }
  }

  /**
   * Runs the job unless it runs already (a retried submission racing a resume); returns whether it
   * started. One that does not start is no longer counted against its submitter.
   */
  private boolean start(RunningJob job) {
    job.recorder = p -> store.savePlacement(job.spec.jobId(), p);
    if (!live.addIfAbsent(job)) {
      live.release(job.spec.submitterDid());
      return false;
    }
    threads.submit(() -> run(job));
    return true;
  }

  private void run(RunningJob job) {
    try {
      if (job.spec.input().isUrl()) {
        job.spec = urlInputs.resolve(job);
      }
      JobSpec spec = job.spec;
      Map<Integer, TaskRecord> recorded = new HashMap<>();
      TaskRecord mergeRecord = null;
      TaskRecord splitRecord = null;
      for (TaskRecord t : store.tasks(spec.jobId())) {
        settlement.replay(job, t);
        if ("merge".equals(t.exportName())) {
          mergeRecord = t;
        } else if ("split".equals(t.exportName())) {
          splitRecord = t;
        } else {
          recorded.put(t.chunkIndex(), t);
        }
      }
      if (spec.input().isStored()) {
        // The job keeps its input blob until it ends; taking it up again after a restart is the
        // same as once.
        blobs.use(spec.jobId(), spec.input().blobCid());
      }
      int depth = peers.peers().isEmpty() ? 0 : options.maxDelegationDepth();
      List<JobParts.Part> parts = jobParts.parts(job, splitRecord, depth, recorded);
      synchronized (job) {
        job.totalChunks = parts.size();
        job.completedChunks = recorded.size();
      }
      progress.transition(job, JobState.ASSIGNED);
      progress.transition(job, JobState.COMPUTING);
      // Each part's result as the job keeps it: small ones here, large ones in the blob store,
      // so the results of a job of any size never sit in this heap together.
      ResultContent[] partResults = new ResultContent[parts.size()];
      for (JobParts.Part part : parts) {
        TaskRecord settled = recorded.get(part.from());
        if (settled != null && settled.taskId().equals(part.taskId(spec.jobId()))) {
          partResults[part.index()] = settled.content();
        }
      }
      PartRunner.Level level = jobParts.level(job, depth);
      jobParts.runParts(job, level, parts, partResults);
      ResultContent merged;
      if (spec.moduleInfo().hasMerge()) {
        progress.transition(job, JobState.VERIFYING);
        if (mergeRecord != null) {
          merged = mergeRecord.content();
        } else {
          TaskSpec merge =
              jobParts.task(
                  job,
                  spec.jobId() + ":merge",
                  parts.size(),
                  "merge",
                  results.mergeInput(spec, Arrays.asList(partResults)),
                  spec.manaBudget(),
                  TreeRoute.NONE);
          // The merge runs here, or, with no executor here, at the peer with the most room.
          String peer = level.executorsHere() ? null : level.peers().get(0);
          merged =
              Spans.call(
                  "merge", () -> runner.run(level, merge, peer, 0, spec.input().size()).kept());
        }
      } else {
        merged = results.concatenation(spec, Arrays.asList(partResults));
      }
      ResultContent result = results.finalResult(spec, merged);
      long deadline = job.submittedAt + TimeUnit.SECONDS.toMillis(spec.timeoutSecs());
      statements.issue(
          spec, result, wait -> job.stopped() || clock.millis() + wait > deadline, outbox::retried);
      finish.end(job, JobState.COMPLETED, result, "");
    } catch (RuntimeException e) {
      if (closing || deposed(e)) {
        finish.breakOff(job);
      } else if (job.cancelRequested) {
        finish.end(job, JobState.CANCELLED, null, "cancelled by the submitter");
      } else {
        if (!(e instanceof TaskFailedException)) {
          LOG.log(Level.WARNING, "job " + job.spec.jobId() + " failed", e);
        }
        finish.end(job, JobState.FAILED, null, String.valueOf(e.getMessage()));
      }
    }
  }

  /** Whether the failure is, or comes from, this orchestrator having been deposed. */
  private static boolean deposed(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FencedOutException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Cancels a running job: running tasks stop, no more are assigned, and the unspent budget
   * returns. Returns false when the job had already ended.
   */
  public boolean cancel(String jobId, Caller caller) {
    RunningJob job = live.get(jobId);
    if (job == null) {
      queries.status(jobId, caller);
      return false;
    }
    caller.requireOwnerOrOperator(job.spec.submitterDid(), "job " + jobId);
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

  /**
   * Stops every run here without ending its job: the journal keeps the jobs unfinished, and they
   * resume wherever the journal is opened next (here after a restart, or on the replica that leads
   * now).
   */
  @Override
  public void close() {
    closing = true;
    outbox.close();
    threads.shutdownNow();
  }
}
