package io.meshwork.orchestrator.jobs;

import io.meshwork.content.ResultTree;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.tasks.TreeNode;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The read side: a job's status, its result with the receipts behind it, how its tasks were placed,
 * and status updates as they happen. Running jobs answer from memory, ended ones from the journal;
 * a caller sees only its own jobs unless it is a service or an operator.
 */
public final class JobQueries {
  private final LiveJobs live;
  private final JobStore store;
  private final Clock clock;
  private final Duration maxWait;
  private final BiPredicate<String, String> assignsModule;

  /**
   * @param assignsModule whether an executor (by DID) holds a live assignment of a module (by CID)
   */
  JobQueries(
      LiveJobs live,
      JobStore store,
      Clock clock,
      Duration maxWait,
      BiPredicate<String, String> assignsModule) {
    this.live = live;
    this.store = store;
    this.clock = clock;
    this.maxWait = maxWait;
    this.assignsModule = assignsModule;
  }

  /** The status of a job the caller may see. */
  public JobStatus status(String jobId, Caller caller) {
    RunningJob job = live.get(jobId);
    if (job != null) {
      caller.requireOwnerOrOperator(job.spec.submitterDid(), "job " + jobId);
      return status(job, clock.millis());
    }
    return status(find(jobId, caller));
  }

  /**
   * A page of the jobs the caller may see, newest first: its own, or everyone's for an operator.
   * Running jobs show their live status, ended ones what the journal recorded.
   *
   * @param pageSize how many jobs at most, 0 for {@link JobPage#DEFAULT_SIZE}
   * @param pageToken the previous page's {@link JobPage#nextPageToken()}, or "" for the first
   */
  public JobPage list(Caller caller, long pageSize, String pageToken) {
    int size = JobPage.size(pageSize);
    Optional<JobListing.Position> after = JobPage.after(pageToken);
    Optional<String> owner =
        caller.is(Role.OPERATOR) ? Optional.empty() : Optional.of(caller.did());
    // One more than the page, to know whether another page follows.
    List<JobListing> rows = store.list(owner, after, size + 1);
    List<JobStatus> jobs = new ArrayList<>();
    long now = clock.millis();
    for (JobListing row : rows.subList(0, Math.min(size, rows.size()))) {
      RunningJob job = live.get(row.jobId());
      jobs.add(job != null ? status(job, now) : status(row));
    }
    String next = rows.size() > size ? JobPage.token(rows.get(size - 1).position()) : "";
    return new JobPage(List.copyOf(jobs), next);
  }

  /**
   * How each task of a job was placed: bids, winner, why the others lost, who could not take it,
   * and how each attempt ended.
   */
  public List<Placement> placements(String jobId, Caller caller) {
    return journaled(jobId, caller).stream().filter(p -> p.treeNode() == null).toList();
  }

  /**
   * The job's delegation tree: every task at every orchestrator it passed, with its part of the
   * input, where it ran and what it cost, parents before the parts they were cut into.
   */
  public List<TreeNode> tree(String jobId, Caller caller) {
    return journaled(jobId, caller).stream()
        .map(Placement::treeNode)
        .filter(Objects::nonNull)
        .toList();
  }

  private List<Placement> journaled(String jobId, Caller caller) {
    RunningJob job = live.get(jobId);
    if (job != null) {
      caller.requireOwnerOrOperator(job.spec.submitterDid(), "job " + jobId);
    } else {
      find(jobId, caller);
    }
    return store.placements(jobId);
  }

  /**
   * Waits up to {@code wait}, or the mesh's longest wait if that is shorter, for the job to end and
   * returns what it produced.
   */
  private static void awaitFinished(RunningJob job) {
    try {
      job.done.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new IllegalStateException("job " + job.spec.jobId() + " ended but did not finish", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public JobResult result(String jobId, Duration wait, Caller caller) {
    RunningJob job = live.get(jobId);
    if (job != null) {
      caller.requireOwnerOrOperator(job.spec.submitterDid(), "job " + jobId);
      try {
        job.done.get(boundedWait(wait).toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        JobStatus now = status(job, clock.millis());
        if (!now.state().terminal()) {
          return new JobResult(now, null, List.of());
        }
        // It ended just as the wait did: its state is set before its result is journaled and
        // handed out, so wait the moment that takes and answer as for an ended job.
        awaitFinished(job);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new JobResult(status(job, clock.millis()), null, List.of());
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    JobRecord r = find(jobId, caller);
    List<JobResult.ReceiptRef> refs = new ArrayList<>();
    List<TaskRecord> tasks = store.tasks(jobId);
    for (TaskRecord t : tasks) {
      for (TaskRecord.Payment p : t.payments()) {
        refs.add(
            new JobResult.ReceiptRef(
                t.taskId(), p.receiptCid(), p.logIndex(), p.executorDid(), p.price()));
      }
    }
    JobStatus status = status(r);
    if (status.verification() != VerificationMode.MERKLE || r.content() == null) {
      return new JobResult(status, r.content(), refs);
    }
    // The chunk results in chunk order, each with its path under the statement's chunk root
    // (leaves are the results' CIDs, ResultTree): a client can check any one chunk's result
    // against the signed root without the others.
    List<TaskRecord> chunks = JobStatements.chunks(tasks);
    List<String> cids = chunks.stream().map(TaskRecord::resultCid).toList();
    List<JobResult.ChunkProof> proofs = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      TaskRecord chunk = chunks.get(i);
      proofs.add(
          new JobResult.ChunkProof(
              chunk.chunkIndex(),
              chunk.resultCid(),
              chunks.size(),
              ResultTree.inclusionPath(cids, i),
              chunk.result()));
    }
    return new JobResult(
        status,
        r.content(),
        refs,
        HexFormat.of().formatHex(ResultTree.root(cids)),
        proofs,
        store.statement(jobId).orElse(null));
  }

  /**
   * The bytes of a module that a job or delegated task in progress here uses, for an executor that
   * was assigned one of its tasks without holding the module, and only for it: a module is the
   * submitter's work, not for whoever asks.
   */
  public byte[] module(String moduleCid, Caller caller) {
    byte[] module = live.module(moduleCid);
    if (!assignsModule.test(caller.did(), moduleCid)) {
      throw MeshException.permissionDenied(
              "NO_LIVE_ASSIGNMENT",
              caller.did() + " holds no assignment of a task of module " + moduleCid)
          .with("module_cid", moduleCid);
    }
    return module;
  }

  /** How long a result call asking to wait {@code asked} really waits. */
  public Duration boundedWait(Duration asked) {
    return asked.compareTo(maxWait) > 0 ? maxWait : asked;
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
  public Subscription watch(String jobId, Caller caller, Consumer<JobStatus> watcher) {
    RunningJob job = live.get(jobId);
    if (job == null) {
      watcher.accept(status(jobId, caller));
      return () -> {};
    }
    caller.requireOwnerOrOperator(job.spec.submitterDid(), "job " + jobId);
    job.watchers.add(watcher);
    JobStatus now = status(job, clock.millis());
    watcher.accept(now);
    if (job.done.isDone() && !now.state().terminal()) {
      // The job ended between the lookup and the registration; send its final state.
      watcher.accept(status(job, clock.millis()));
    }
    return () -> job.watchers.remove(watcher);
  }

  private JobRecord find(String jobId, Caller caller) {
    JobRecord r =
        store
            .find(jobId)
            .orElseThrow(
                () ->
                    MeshException.notFound("JOB_NOT_FOUND", "no job has the id '" + jobId + "'")
                        .with("job_id", jobId));
    caller.requireOwnerOrOperator(r.submitterDid(), "job " + jobId);
    return r;
  }

  /** A running job's status at {@code nowMillis}, with an estimate of the time left. */
  static JobStatus status(RunningJob job, long nowMillis) {
    synchronized (job) {
      long elapsed = Math.max(1, nowMillis - job.submittedAt);
      int left = job.totalChunks - job.completedChunks;
      long eta =
          job.state.terminal() || job.completedChunks == 0
              ? 0
              : elapsed * left / job.completedChunks / 1000;
      return new JobStatus(
          job.spec.jobId(),
          job.state,
          progress(job.state, job.completedChunks, job.totalChunks),
          job.completedChunks,
          job.totalChunks,
          eta,
          job.errorMessage,
          job.spec.manaBudget(),
          job.spent,
          job.refunded,
          job.spec.submitterDid(),
          job.submittedAt,
          job.finishedAt,
          job.spec.priority(),
          job.spec.verification());
    }
  }

  private static JobStatus status(JobRecord r) {
    return new JobStatus(
        r.jobId(),
        r.state(),
        progress(r.state(), r.completedChunks(), r.totalChunks()),
        r.completedChunks(),
        r.totalChunks(),
        0,
        r.errorMessage() == null ? "" : r.errorMessage(),
        r.budget(),
        r.spent(),
        r.refunded(),
        r.submitterDid(),
        r.submittedAt(),
        r.finishedAt(),
        Priority.parse(r.manifest().priority()),
        VerificationMode.parse(r.manifest().verificationMode()));
  }

  private static JobStatus status(JobListing r) {
    return new JobStatus(
        r.jobId(),
        r.state(),
        progress(r.state(), r.completedChunks(), r.totalChunks()),
        r.completedChunks(),
        r.totalChunks(),
        0,
        r.errorMessage(),
        r.budget(),
        r.spent(),
        r.refunded(),
        r.submitterDid(),
        r.submittedAt(),
        r.finishedAt(),
        null,
        null);
  }

  private static float progress(JobState state, int completed, int total) {
    if (state == JobState.COMPLETED) {
      return 1.0f;
    }
    return total == 0 ? 0.0f : (float) completed / total;
  }
}
