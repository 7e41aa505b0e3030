package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.tasks.TaskControl;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A job while the orchestrator works on it: its progress and money, the live assignments a cancel
 * must reach, and the watchers to tell about every change.
 */
final class RunningJob implements TaskControl {
  /**
   * What the job is; replaced once, before any task, when its URL input has been fetched and the
   * job reads a stored blob instead.
   */
  volatile JobSpec spec;

  final CompletableFuture<Void> done = new CompletableFuture<>();
  final List<Consumer<JobStatus>> watchers = new CopyOnWriteArrayList<>();
  private final Map<String, Runnable> assignments = new ConcurrentHashMap<>();

  /** Where placements go (the journal). */
  volatile Consumer<Placement> recorder = p -> {};

  /** The submitter cancelled the job. */
  volatile boolean cancelRequested;

  /** A task failed for good, so the job fails and its other tasks are not worth paying for. */
  volatile boolean abandoned;

  JobState state = JobState.PENDING;
  String holdId;
  int totalChunks;
  int completedChunks;
  long spent;
  long reserved;
  long refunded;
  String errorMessage = "";

  /** The job's result once it completed; null before. */
  ResultContent result;

  long submittedAt;
  long finishedAt;

  // Journal writes of the job's row, coalesced (see JournalWriter): how many snapshots
  // were asked for, the newest one on disk, and whether a write is under way.
  long snapshotsAsked;
  long snapshotsWritten;
  boolean writing;

  RunningJob(JobSpec spec) {
    this.spec = spec;
  }

  @Override
  public boolean stopped() {
    return cancelRequested || abandoned;
  }

  @Override
  public synchronized long budgetLeft() {
    return spec.manaBudget() - spent - reserved;
  }

  @Override
  public synchronized boolean reserve(long price) {
    if (price > budgetLeft()) {
      return false;
    }
    reserved += price;
    return true;
  }

  @Override
  public synchronized void unreserve(long price) {
    reserved -= price;
  }

  /** Counts a payment made before a restart, for which nothing was reserved in this run. */
  synchronized void spentBefore(long price) {
    spent += price;
  }

  /** Turns a reservation into money spent, once the task's pay is posted. */
  synchronized void paid(long price) {
    reserved -= price;
    spent += price;
  }

  @Override
  public void assigned(String assignmentId, Runnable cancel) {
    assignments.put(assignmentId, cancel);
    if (stopped()) {
      cancel.run();
    }
  }

  @Override
  public void unassigned(String assignmentId) {
    assignments.remove(assignmentId);
  }

  @Override
  public void placed(Placement placement) {
    recorder.accept(placement);
  }

  /** Asks every live assignment to stop. */
  void cancelAssignments() {
    assignments.values().forEach(Runnable::run);
  }
}
