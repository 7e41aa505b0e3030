package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.trust.ExecutorRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The journal port in memory: what the SQLite journal keeps, without the file. It outlives the
 * coordinator that writes it, as the file would, so a second coordinator can resume from it.
 */
final class MemoryJournal implements JobStore {
  private final Map<String, JobRecord> jobs = new LinkedHashMap<>();
  private final Map<String, TaskRecord> tasks = new LinkedHashMap<>();
  private final Map<String, List<Placement>> placements = new LinkedHashMap<>();
  private final Map<String, Long> chunkSizes = new LinkedHashMap<>();
  private final Map<String, String> fetchedInputs = new LinkedHashMap<>();
  private final Map<String, ReceiptLog.AnchoredStatement> statements = new LinkedHashMap<>();
  private final Map<String, ExecutorRecord> executors = new LinkedHashMap<>();
  private final MemoryFence fence = new MemoryFence();
  private final MemoryDelegations delegations = new MemoryDelegations();

  @Override
  public DelegationJournal delegations() {
    return delegations;
  }

  private final Map<String, Long> forgottenEarnings = new java.util.TreeMap<>();

  @Override
  public synchronized boolean insert(JobRecord job) {
    return jobs.putIfAbsent(job.jobId(), job) == null;
  }

  @Override
  public synchronized void update(JobRecord j) {
    JobRecord first = jobs.get(j.jobId());
    // What was submitted is never rewritten, as in the SQLite journal.
    jobs.put(
        j.jobId(),
        new JobRecord(
            first.jobId(),
            first.submitterDid(),
            j.state(),
            first.manifest(),
            first.manifestDigest(),
            j.holdId(),
            first.budget(),
            j.spent(),
            j.refunded(),
            j.totalChunks(),
            j.completedChunks(),
            j.errorMessage(),
            j.result(),
            j.resultCid(),
            first.submittedAt(),
            j.finishedAt(),
            j.resultSize(),
            j.resultStored()));
  }

  @Override
  public synchronized List<JobListing> list(
      Optional<String> submitterDid, Optional<JobListing.Position> after, int limit) {
    Comparator<JobListing.Position> order =
        Comparator.comparingLong(JobListing.Position::submittedAt)
            .thenComparing(JobListing.Position::jobId)
            .reversed();
    return jobs.values().stream()
        .filter(j -> submitterDid.isEmpty() || submitterDid.get().equals(j.submitterDid()))
        .map(
            j ->
                new JobListing(
                    j.jobId(),
                    j.submitterDid(),
                    j.state(),
                    j.budget(),
                    j.spent(),
                    j.refunded(),
                    j.totalChunks(),
                    j.completedChunks(),
                    j.errorMessage() == null ? "" : j.errorMessage(),
                    j.submittedAt(),
                    j.finishedAt()))
        .filter(j -> after.isEmpty() || order.compare(j.position(), after.get()) > 0)
        .sorted(Comparator.comparing(JobListing::position, order))
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized Optional<JobRecord> find(String jobId) {
    return Optional.ofNullable(jobs.get(jobId));
  }

  @Override
  public synchronized Map<String, Long> earnings() {
    Map<String, Long> earned = new java.util.TreeMap<>(forgottenEarnings);
    for (TaskRecord t : tasks.values()) {
      for (TaskRecord.Payment p : t.payments()) {
        earned.merge(p.executorDid(), p.price(), Long::sum);
      }
    }
    return earned;
  }

  @Override
  public synchronized List<String> finishedBefore(long finishedBefore, int limit) {
    return jobs.values().stream()
        .filter(j -> j.state().terminal() && released.contains(j.jobId()))
        .filter(j -> j.finishedAt() < finishedBefore)
        .sorted(Comparator.comparingLong(JobRecord::finishedAt))
        .limit(limit)
        .map(JobRecord::jobId)
        .toList();
  }

  @Override
  public synchronized int forget(List<String> jobIds) {
    int gone = 0;
    for (String id : jobIds) {
      JobRecord j = jobs.get(id);
      if (j == null || !j.state().terminal() || !released.contains(id)) {
        continue;
      }
      jobs.remove(id);
      placements.remove(id);
      chunkSizes.remove(id);
      fetchedInputs.remove(id);
      statements.remove(id);
      tasks
          .values()
          .removeIf(
              t -> {
                if (!t.jobId().equals(id)) {
                  return false;
                }
                t.payments()
                    .forEach(p -> forgottenEarnings.merge(p.executorDid(), p.price(), Long::sum));
                return true;
              });
      gone++;
    }
    return gone;
  }

  @Override
  public void compact() {}

  @Override
  public synchronized List<JobRecord> unfinished() {
    return jobs.values().stream()
        .filter(j -> !j.state().terminal())
        .sorted(Comparator.comparingLong(JobRecord::submittedAt))
        .toList();
  }

  @Override
  public synchronized void saveTask(TaskRecord task) {
    tasks.putIfAbsent(task.taskId(), task);
  }

  @Override
  public synchronized List<TaskRecord> tasks(String jobId) {
    return tasks.values().stream()
        .filter(t -> t.jobId().equals(jobId))
        .sorted(
            Comparator.comparing((TaskRecord t) -> "merge".equals(t.exportName()))
                .thenComparingInt(TaskRecord::chunkIndex))
        .toList();
  }

  @Override
  public synchronized long fixChunkSize(String jobId, long chunkBytes) {
    return chunkSizes.computeIfAbsent(jobId, k -> chunkBytes);
  }

  @Override
  public synchronized String fixFetchedInput(String jobId, String blobCid) {
    return fetchedInputs.computeIfAbsent(jobId, k -> blobCid);
  }

  @Override
  public synchronized void saveStatement(String jobId, ReceiptLog.AnchoredStatement statement) {
    statements.putIfAbsent(jobId, statement);
  }

  @Override
  public synchronized Optional<ReceiptLog.AnchoredStatement> statement(String jobId) {
    return Optional.ofNullable(statements.get(jobId));
  }

  @Override
  public synchronized Optional<String> fetchedInput(String jobId) {
    return Optional.ofNullable(fetchedInputs.get(jobId));
  }

  @Override
  public synchronized void savePlacement(String jobId, Placement placement) {
    placements.computeIfAbsent(jobId, k -> new ArrayList<>()).add(placement);
  }

  @Override
  public synchronized List<Placement> placements(String jobId) {
    return List.copyOf(placements.getOrDefault(jobId, List.of()));
  }

  @Override
  public synchronized ExecutorRecord executor(String did) {
    return executors.getOrDefault(did, ExecutorRecord.unknown(did));
  }

  @Override
  public synchronized void saveExecutor(ExecutorRecord record) {
    executors.put(record.did(), record);
  }

  @Override
  public void fence(long epoch) {
    fence.fence(epoch);
  }

  // The settlement outbox: paid marks by task and position, released jobs, replacement holds.
  private final java.util.Set<String> paid = new java.util.HashSet<>();
  private final java.util.Set<String> released = new java.util.HashSet<>();
  private final List<SettlementJournal.ReplacementHold> replacements = new ArrayList<>();

  @Override
  public synchronized List<SettlementJournal.Owed> unpaid(String jobId) {
    List<SettlementJournal.Owed> owed = new ArrayList<>();
    for (TaskRecord t : tasks(jobId)) {
      List<TaskRecord.Payment> payments = t.payments();
      for (int i = 0; i < payments.size(); i++) {
        if (!paid.contains(t.taskId() + "#" + i)) {
          owed.add(new SettlementJournal.Owed(jobId, t.taskId(), i, payments.get(i)));
        }
      }
    }
    return owed;
  }

  @Override
  public synchronized void markPaid(SettlementJournal.Owed owed) {
    paid.add(owed.taskId() + "#" + owed.position());
  }

  @Override
  public synchronized List<String> unreleased() {
    return jobs.values().stream()
        .sorted(Comparator.comparingLong(JobRecord::submittedAt))
        .map(JobRecord::jobId)
        .filter(id -> !released.contains(id))
        .toList();
  }

  @Override
  public synchronized void markReleased(String jobId, long refunded) {
    if (released.add(jobId)) {
      JobRecord j = jobs.get(jobId);
      update(
          new JobRecord(
              j.jobId(),
              j.submitterDid(),
              j.state(),
              j.manifest(),
              j.manifestDigest(),
              j.holdId(),
              j.budget(),
              j.spent(),
              refunded,
              j.totalChunks(),
              j.completedChunks(),
              j.errorMessage(),
              j.result(),
              j.resultCid(),
              j.submittedAt(),
              j.finishedAt(),
              j.resultSize(),
              j.resultStored()));
    }
  }

  /** Whether the job's hold was released, as the journal records it. */
  synchronized boolean released(String jobId) {
    return released.contains(jobId);
  }

  @Override
  public synchronized SettlementJournal.ReplacementHold replaceHold(
      String jobId, String replacedHoldId, long amount) {
    for (SettlementJournal.ReplacementHold r : replacements) {
      if (r.replacedHoldId().equals(replacedHoldId)) {
        return r;
      }
    }
    var r = new SettlementJournal.ReplacementHold(jobId, replacedHoldId, amount, null);
    replacements.add(r);
    return r;
  }

  @Override
  public synchronized void replacementCreated(String replacedHoldId, String holdId) {
    for (int i = 0; i < replacements.size(); i++) {
      var r = replacements.get(i);
      if (r.replacedHoldId().equals(replacedHoldId)) {
        replacements.set(
            i,
            new SettlementJournal.ReplacementHold(r.jobId(), replacedHoldId, r.amount(), holdId));
      }
    }
  }

  @Override
  public synchronized List<SettlementJournal.ReplacementHold> replacementHolds(String jobId) {
    return replacements.stream().filter(r -> r.jobId().equals(jobId)).toList();
  }

  @Override
  public void close() {}
}
