package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.runtime.errors.MeshException;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The work in progress here: jobs running and tasks delegated to this orchestrator by peers. The
 * read side looks jobs up here before the journal, and executors fetch modules of both.
 */
final class LiveJobs {
  private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
  // Delegated tasks in progress, by the delegator's request id.
  private final Map<String, TaskSpec> delegations = new ConcurrentHashMap<>();
  // Who delegated each open delegation, and how many each peer has open.
  private final Map<String, String> delegationPeers = new ConcurrentHashMap<>();
  private final Map<String, Integer> delegationsBy = new ConcurrentHashMap<>();
  // Jobs each submitter has admitted and not yet ended, whether running or about to start.
  private final Map<String, Integer> perSubmitter = new ConcurrentHashMap<>();

  /**
   * Counts a new job of {@code submitter} if it has fewer than {@code max} jobs not yet ended. Pair
   * with {@link #release}.
   *
   * @throws MeshException RESOURCE_EXHAUSTED {@code TOO_MANY_JOBS}, counting nothing, when it has
   *     that many already
   */
  void admitWithin(String submitter, int max) {
    boolean[] admitted = {false};
    perSubmitter.compute(
        submitter,
        (k, n) -> {
          int now = n == null ? 0 : n;
          if (now >= max) {
            return n;
          }
          admitted[0] = true;
          return now + 1;
        });
    if (!admitted[0]) {
      throw new MeshException(
              MeshException.Kind.RESOURCE_EXHAUSTED,
              "TOO_MANY_JOBS",
              submitter
                  + " has "
                  + max
                  + " jobs running or queued, as many as this mesh allows; submit again when one"
                  + " ends")
          .with("max", Integer.toString(max));
    }
  }

  /** Counts a job of {@code submitter} whatever it has already (a job resumed from the journal). */
  void admit(String submitter) {
    perSubmitter.merge(submitter, 1, Integer::sum);
  }

  /** A job counted by {@link #admitWithin} or {@link #admit} has ended, or never started. */
  void release(String submitter) {
    perSubmitter.computeIfPresent(submitter, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** Adds the job unless one of its id runs already; returns whether it was added. */
  boolean addIfAbsent(RunningJob job) {
    return running.putIfAbsent(job.spec.jobId(), job) == null;
  }

  void remove(RunningJob job) {
    running.remove(job.spec.jobId());
  }

  /** The running job, or null when it has ended or never ran here. */
  RunningJob get(String jobId) {
    return running.get(jobId);
  }

  int size() {
    return running.size();
  }

  /** The jobs running now. */
  Collection<RunningJob> jobs() {
    return running.values();
  }

  /** The tasks peers delegated here that are still open. */
  Collection<TaskSpec> delegated() {
    return delegations.values();
  }

  /** What tracking a delegated task found. */
  enum Delegation {
    ADDED,
    KNOWN,
    OVER_LIMIT
  }

  /**
   * Starts tracking a task {@code peer} delegated here: KNOWN when its request id already is (a
   * retried call), OVER_LIMIT when the peer has {@code max} open already.
   */
  synchronized Delegation addDelegation(String requestId, String peer, TaskSpec task, int max) {
    if (delegations.containsKey(requestId)) {
      return Delegation.KNOWN;
    }
    if (delegationsBy.getOrDefault(peer, 0) >= max) {
      return Delegation.OVER_LIMIT;
    }
    delegations.put(requestId, task);
    delegationPeers.put(requestId, peer);
    delegationsBy.merge(peer, 1, Integer::sum);
    return Delegation.ADDED;
  }

  /** Whether delegation {@code requestId} is open here, delegated by {@code peer}. */
  boolean delegatedBy(String requestId, String peer) {
    return peer.equals(delegationPeers.get(requestId));
  }

  synchronized void removeDelegation(String requestId) {
    delegations.remove(requestId);
    String peer = delegationPeers.remove(requestId);
    if (peer != null) {
      delegationsBy.computeIfPresent(peer, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  /**
   * The bytes of a module that a job or delegated task in progress here uses, for an executor that
   * was assigned one of its tasks without holding the module.
   */
  byte[] module(String moduleCid) {
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
}
