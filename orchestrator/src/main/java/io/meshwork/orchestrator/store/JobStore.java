package io.meshwork.orchestrator.store;

import java.util.List;
import java.util.Optional;

/** The orchestrator's durable journal of jobs and verified tasks. */
public interface JobStore extends AutoCloseable {
  /** Inserts a new job; returns false when a job with that id already exists. */
  boolean insert(JobRecord job);

  /** Replaces a job's row. */
  void update(JobRecord job);

  /** A job by id. */
  Optional<JobRecord> find(String jobId);

  /** Jobs that have not ended, oldest first (to resume after a restart). */
  List<JobRecord> unfinished();

  /** Records a verified, paid and anchored task (idempotent by task id). */
  void saveTask(TaskRecord task);

  /** The recorded tasks of a job in chunk order (merge tasks last). */
  List<TaskRecord> tasks(String jobId);

  @Override
  void close();
}
