package io.meshwork.orchestrator.dashboard;

import io.meshwork.orchestrator.jobs.JobListing;
import io.meshwork.orchestrator.jobs.JobQueries;
import io.meshwork.orchestrator.jobs.JobStatus;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.jobs.TaskRecord;
import io.meshwork.orchestrator.membership.MemberLoad;
import io.meshwork.orchestrator.membership.MemberSource;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.orchestrator.membership.Membership;
import io.meshwork.orchestrator.tasks.ExecutorCapacity;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.trust.ExecutorRecord;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the dashboard and its JSON API show, read through the orchestrator's own query interfaces
 * (the job queries, the journal, the membership registry, reputation) and under the gRPC API's
 * rules: a user sees its own jobs, an operator every job and the executors.
 *
 * <p>The records here are the JSON API's documents, field for field (the OpenAPI document the
 * dashboard serves at {@code /api/v1/openapi.json}).
 */
public final class DashboardView {
  private final JobQueries queries;
  private final JobStore store;
  private final Membership membership;
  private final Reputation reputation;
  private final LogCheckpoints log;
  private final ExecutorProbes probes;
  private final int jobsListed;

  /** Creates the view over the orchestrator's read side. */
  public DashboardView(
      JobQueries queries,
      JobStore store,
      Membership membership,
      Reputation reputation,
      LogCheckpoints log,
      int jobsListed,
      java.time.Clock clock) {
    this.queries = queries;
    this.store = store;
    this.membership = membership;
    this.reputation = reputation;
    this.log = log;
    this.probes = new ExecutorProbes(membership::executors, clock);
    this.jobsListed = jobsListed;
  }

  /** Mana as a job holds it: the budget held on submit, what was paid, what went back. */
  public record Mana(long budget, long spent, long refunded) {}

  /** One job as the list shows it. */
  public record JobSummary(
      String id,
      String submitter,
      String state,
      int completedChunks,
      int totalChunks,
      float progress,
      long etaSecs,
      String error,
      Mana mana,
      long submittedAt,
      long finishedAt,
      String priority,
      String verification) {}

  /** The caller's jobs (every job for an operator), newest first, with their mana summed. */
  public record JobList(String caller, boolean operator, List<JobSummary> jobs, Mana mana) {}

  /**
   * One chunk of a job for the grid.
   *
   * @param state {@code waiting}, {@code retrying} (an attempt failed, another follows), {@code
   *     done}, or {@code failed} (the job ended without it)
   * @param executor who delivered the accepted result, once done
   * @param attempts the placements recorded for it, failed ones included
   * @param delegated whether it was done without a placement here: delegation to a peer
   *     orchestrator records none, so that is what a delegated chunk looks like today
   * @param children the chunk's sub-tasks where it was split further down a delegation tree; empty
   *     until the orchestrators report such trees
   */
  public record Chunk(
      int index,
      String state,
      String executor,
      long price,
      int attempts,
      boolean delegated,
      List<Chunk> children) {}

  /** A bid as the selection policy judged it. */
  public record Bid(
      String executor,
      long price,
      double reputation,
      double load,
      double score,
      boolean won,
      String reason) {}

  /** An executor that could not take a task, and why. */
  public record Refusal(String executor, String reason) {}

  /** How one attempt of a task was placed and how it ended. */
  public record PlacementView(
      String taskId,
      int chunk,
      String export,
      int attempt,
      String role,
      String winner,
      long price,
      String reason,
      String outcome,
      long decidedAt,
      List<Bid> bids,
      List<Refusal> refusals) {}

  /** One job in full: its status, its chunks, and how each was placed. */
  public record JobDetail(
      JobSummary job, List<Chunk> chunks, Chunk merge, List<PlacementView> placements) {}

  /** One executor as an operator sees it. */
  public record ExecutorView(
      String did,
      String endpoint,
      String source,
      String state,
      int taskSlots,
      int runningTasks,
      int queuedTasks,
      double load,
      double reputation,
      long verified,
      long caught,
      long failed,
      long earned,
      long joinedAt,
      long lastHeartbeatAt,
      String engineVersion) {}

  /** The executors of the mesh. */
  public record ExecutorList(List<ExecutorView> executors) {}

  /** The caller's latest jobs, every job's for an operator. */
  public JobList jobs(Caller caller) {
    boolean operator = caller.is(Role.OPERATOR);
    List<JobSummary> jobs = new ArrayList<>();
    long budget = 0;
    long spent = 0;
    long refunded = 0;
    for (JobListing listed :
        store.list(
            operator ? Optional.empty() : Optional.of(caller.did()),
            Optional.empty(),
            jobsListed)) {
      JobSummary job = summary(queries.status(listed.jobId(), caller));
      jobs.add(job);
      budget += job.mana().budget();
      spent += job.mana().spent();
      refunded += job.mana().refunded();
    }
    return new JobList(caller.did(), operator, jobs, new Mana(budget, spent, refunded));
  }

  /**
   * One job in full.
   *
   * @throws MeshException NOT_FOUND for an unknown job, PERMISSION_DENIED {@code NOT_OWNER} for
   *     another user's
   */
  public JobDetail job(String jobId, Caller caller) {
    JobStatus status = queries.status(jobId, caller);
    List<Placement> placements = queries.placements(jobId, caller);
    List<TaskRecord> tasks = store.tasks(jobId);
    Map<Integer, TaskRecord> done = new HashMap<>();
    TaskRecord mergeTask = null;
    for (TaskRecord t : tasks) {
      if ("merge".equals(t.exportName())) {
        mergeTask = t;
      } else {
        done.put(t.chunkIndex(), t);
      }
    }
    Map<Integer, List<Placement>> byChunk = new HashMap<>();
    List<Placement> mergePlacements = new ArrayList<>();
    for (Placement p : placements) {
      if ("merge".equals(p.exportName())) {
        mergePlacements.add(p);
      } else {
        byChunk.computeIfAbsent(p.chunkIndex(), i -> new ArrayList<>()).add(p);
      }
    }
    boolean ended = status.state().terminal();
    List<Chunk> chunks = new ArrayList<>();
    for (int i = 0; i < status.totalChunks(); i++) {
      chunks.add(chunk(i, done.get(i), byChunk.getOrDefault(i, List.of()), ended));
    }
    Chunk merge =
        mergeTask == null && mergePlacements.isEmpty()
            ? null
            : chunk(0, mergeTask, mergePlacements, ended);
    return new JobDetail(
        summary(status), chunks, merge, placements.stream().map(DashboardView::placement).toList());
  }

  /**
   * The executors with their state, load, reputation and earnings: for operators only, as the gRPC
   * API's {@code ListMembers}.
   *
   * @throws MeshException PERMISSION_DENIED {@code ROLE_REQUIRED} for anyone else
   */
  public ExecutorList executors(Caller caller) {
    if (!caller.is(Role.OPERATOR)) {
      throw MeshException.permissionDenied(
              "ROLE_REQUIRED",
              "only an operator sees the executors, and " + caller.did() + " is not one")
          .with("allowed_roles", Role.OPERATOR.wireName())
          .with("caller", caller.did());
    }
    Map<String, Long> earned = store.earnings();
    List<ExecutorView> out = new ArrayList<>();
    for (MemberView m : membership.list(false)) {
      String did = m.did();
      MemberLoad load = m.load();
      double score = m.reputation();
      String state = m.state().name().toLowerCase(java.util.Locale.ROOT);
      if (m.source() == MemberSource.CONFIG) {
        // Listed by endpoint alone: it names itself when asked.
        Optional<ExecutorCapacity> reported = probes.capacity(m.endpoint());
        if (reported.isPresent()) {
          ExecutorCapacity c = reported.get();
          did = c.executorDid();
          load =
              new MemberLoad(
                  c.cpuCores(), c.ramMb(), c.taskSlots(), c.runningTasks(), c.queuedTasks());
          score = reputation.score(did);
        } else {
          state = "not answering";
        }
      }
      ExecutorRecord record = reputation.record(did);
      out.add(
          new ExecutorView(
              did,
              m.endpoint(),
              m.source().wireName(),
              state,
              load.taskSlots(),
              load.runningTasks(),
              load.queuedTasks(),
              load.load(),
              score,
              record.verified(),
              record.caught(),
              record.failed(),
              earned.getOrDefault(did, 0L),
              m.joinedAt(),
              m.lastHeartbeatAt(),
              m.engineVersion()));
    }
    return new ExecutorList(out);
  }

  /** The receipt log's size and latest checkpoint: public, as the log's own reads are. */
  public LogCheckpoints.Checkpoint log() {
    return log.latest();
  }

  private static Chunk chunk(int index, TaskRecord task, List<Placement> attempts, boolean ended) {
    String state;
    if (task != null) {
      state = "done";
    } else if (ended) {
      state = "failed";
    } else if (attempts.stream().anyMatch(p -> p.outcome().startsWith("failed"))) {
      state = "retrying";
    } else {
      state = "waiting";
    }
    return new Chunk(
        index,
        state,
        task == null ? "" : task.executorDid(),
        task == null ? 0 : task.price(),
        attempts.size(),
        task != null && attempts.isEmpty(),
        List.of());
  }

  private static JobSummary summary(JobStatus s) {
    return new JobSummary(
        s.jobId(),
        s.submitterDid(),
        s.state().wireName(),
        s.completedChunks(),
        s.totalChunks(),
        s.progress(),
        s.etaSecs(),
        s.errorMessage(),
        new Mana(s.manaBudget(), s.manaSpent(), s.manaRefunded()),
        s.submittedAt(),
        s.finishedAt(),
        s.priority().name().toLowerCase(java.util.Locale.ROOT),
        s.verification().wireName());
  }

  private static PlacementView placement(Placement p) {
    return new PlacementView(
        p.taskId(),
        p.chunkIndex(),
        p.exportName(),
        p.attempt(),
        p.role(),
        p.winnerDid(),
        p.price(),
        p.reason(),
        p.outcome(),
        p.decidedAt(),
        p.bids().stream()
            .map(
                b ->
                    new Bid(
                        b.executorDid(),
                        b.price(),
                        b.reputation(),
                        b.load(),
                        b.score(),
                        b.won(),
                        b.reason()))
            .toList(),
        p.refusals().stream().map(r -> new Refusal(r.executor(), r.reason())).toList());
  }
}
