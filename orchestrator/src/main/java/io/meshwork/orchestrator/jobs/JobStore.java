package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.trust.ExecutorRecords;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Port: the orchestrator's durable journal of jobs, verified tasks, placements and executors'
 * records.
 *
 * <p>Every write may throw {@link FencedOutException} once another replica fenced the journal at a
 * higher epoch than this store's ({@link JournalFence}); the write has then left no trace.
 */
public interface JobStore extends ExecutorRecords, JournalFence, SettlementJournal, AutoCloseable {
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

  /**
   * Up to {@code limit} jobs in listing order (newest submission first, see {@link
   * JobListing.Position}): those {@code submitterDid} submitted, or everyone's when it is empty;
   * only those after {@code after} when it is given.
   */
  List<JobListing> list(
      Optional<String> submitterDid, Optional<JobListing.Position> after, int limit);

  /**
   * What each executor has been paid for verified tasks, in mana, over every job in the journal:
   * the accepted result's executor and the others paid for the same task.
   */
  Map<String, Long> earnings();

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

  /**
   * Records the blob a job's {@code input_url} was fetched into, once: a resumed job takes its
   * input from the store instead of fetching it again. Returns the CID recorded first.
   */
  String fixFetchedInput(String jobId, String blobCid);

  /** The blob a job's {@code input_url} was fetched into, if it was. */
  Optional<String> fetchedInput(String jobId);

  /** Records the anchored statement of a job's result, once (a later one is ignored). */
  void saveStatement(String jobId, ReceiptLog.AnchoredStatement statement);

  /** The anchored statement of a job's result, if it has one (merkle verification). */
  Optional<ReceiptLog.AnchoredStatement> statement(String jobId);

  /** Appends how a task attempt was placed to the job's record. */
  void savePlacement(String jobId, Placement placement);

  /** The placements recorded for a job, in the order they were made. */
  List<Placement> placements(String jobId);

  /** The delegated tasks accepted here and not yet finished, in the same journal. */
  DelegationJournal delegations();

  /**
   * Up to {@code limit} ids of jobs that finished (completed, failed or cancelled) before {@code
   * finishedBefore} (epoch milliseconds) and whose hold is released (nothing is owed on them any
   * more), the oldest first: what retention removes.
   */
  List<String> finishedBefore(long finishedBefore, int limit);

  /**
   * Removes every row of those of {@code jobIds} that are finished: the job, its tasks, placements
   * and what else the journal keeps for it. An unfinished job, or one whose hold is not released
   * yet, is left as it is. What executors earned on the removed tasks still counts in {@link
   * #earnings()}. Returns how many jobs went.
   */
  int forget(List<String> jobIds);

  /** Gives the space of removed rows back to the file system or database. */
  void compact();

  @Override
  void close();
}
