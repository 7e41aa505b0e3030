package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.content.ResultTree;
import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.runtime.errors.MeshException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The signed statement of a {@code merkle} job's result (docs/RECEIPTS.md, "Job statements"): built
 * from the journal once every task is settled, signed and anchored in the receipt log through its
 * port, and journaled, so that the job's answer carries it and a third party can check the result
 * offline.
 *
 * <p>It is issued before the job is journaled as completed: a job that reads as completed has its
 * statement. A restart in between issues it again from the same journal; the statement holds no
 * time, so it is the same leaf, and the log keeps it once.
 */
final class JobStatements {
  private final JobStore store;
  private final ReceiptLog log;
  private final String orchestratorDid;

  JobStatements(JobStore store, ReceiptLog log, String orchestratorDid) {
    this.store = store;
    this.log = log;
    this.orchestratorDid = orchestratorDid;
  }

  /**
   * Issues the statement of a completed job whose result is {@code result}, unless the job is not
   * merkle-verified or already has one.
   *
   * @param giveUp when to stop trying while the log cannot be reached
   * @param retried counts each try again
   * @throws TaskFailedException {@code STATEMENT_NOT_ANCHORED} when the log cannot take it
   */
  void issue(
      JobSpec spec, ResultContent result, UnreachableRetry.WaitCheck giveUp, Runnable retried) {
    if (spec.verification() != VerificationMode.MERKLE
        || store.statement(spec.jobId()).isPresent()) {
      return;
    }
    UnsignedJobStatement statement = draft(spec, store.tasks(spec.jobId()), result.cid());
    ReceiptLog.AnchoredStatement anchored;
    try {
      // Idempotent (the statement holds no time), so tried again while the log is unreachable.
      anchored =
          UnreachableRetry.call(
              "anchoring the statement of job " + spec.jobId(),
              () -> log.anchorStatement(statement),
              giveUp,
              retried);
    } catch (MeshException e) {
      throw new TaskFailedException(
          "STATEMENT_NOT_ANCHORED",
          "the statement of the job's result could not be anchored: " + e.getMessage());
    }
    store.saveStatement(spec.jobId(), anchored);
  }

  /**
   * The statement of a job run here as one level: its chunks' results in chunk order are the job's
   * level's children and the leaves of its chunk tree; every paid run's receipt is listed.
   */
  UnsignedJobStatement draft(JobSpec spec, List<TaskRecord> tasks, String resultCid) {
    List<String> chunkCids = chunkCids(tasks);
    byte[] root = ResultTree.root(chunkCids);
    List<String> receipts = new ArrayList<>();
    for (TaskRecord t : tasks) {
      for (TaskRecord.Payment p : t.payments()) {
        receipts.add(p.receiptCid());
      }
    }
    UnsignedJobStatement.Level level =
        new UnsignedJobStatement.Level(
            "",
            orchestratorDid,
            0,
            chunkCids.size(),
            chunkCids.size(),
            root,
            spec.moduleInfo().hasMerge() ? "merge" : "concatenate",
            resultCid);
    return new UnsignedJobStatement(
        spec.jobId(),
        orchestratorDid,
        spec.moduleCid(),
        spec.input().isStored() ? spec.input().blobCid() : Cid.of(spec.input().bytes()),
        resultCid,
        chunkCids.size(),
        root,
        List.of(level),
        receipts);
  }

  /** The results of a job's chunks (its {@code execute} tasks), in chunk order. */
  static List<TaskRecord> chunks(List<TaskRecord> tasks) {
    return tasks.stream()
        .filter(t -> "execute".equals(t.exportName()))
        .sorted(Comparator.comparingInt(TaskRecord::chunkIndex))
        .toList();
  }

  private static List<String> chunkCids(List<TaskRecord> tasks) {
    return chunks(tasks).stream().map(TaskRecord::resultCid).toList();
  }
}
