package io.meshwork.orchestrator.store;

import java.util.List;
import java.util.Optional;

/** The orchestrator's durable journal of jobs and verified tasks. */
public interface JobStore extends AutoCloseable {
  /** Inserts a new job; returns false when a job with that id already exists. */
  boolean insert(JobRecord job);

  /**
   * Records a job's progress and outcome: state, hold, money, chunk counts, error and result. What
   * was submitted (submitter, manifest and digest, budget, submission time) never changes, so those
   * fields of {@code job} are ignored.
   */
  void update(JobRecord job);

  /** A job by id. */
  Optional<JobRecord> find(String jobId);

  /** Jobs that have not ended, oldest first (to resume after a restart). */
  List<JobRecord> unfinished();

  /** Records a verified, paid and anchored task (idempotent by task id). */
  void saveTask(TaskRecord task);

  /** The recorded tasks of a job in chunk order (merge tasks last). */
  List<TaskRecord> tasks(String jobId);

  /**
   * Records the chunk size chosen for a job, once: a resumed job must cut its input exactly as
   * before, whatever the capacity is after the restart. Returns the size recorded first.
   */
  long fixChunkSize(String jobId, long chunkBytes);

  /** Appends how a task attempt was placed (an encoded TaskPlacement) to the job's record. */
  void savePlacement(String jobId, byte[] placement);

  /** The placements recorded for a job, in the order they were made. */
  List<byte[]> placements(String jobId);

  /** What the orchestrator has verified about an executor so far; zeros for one never seen. */
  ExecutorRecord executor(String did);

  /** Replaces an executor's record. */
  void saveExecutor(ExecutorRecord record);

  @Override
  void close();
}
