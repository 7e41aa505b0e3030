package io.meshwork.orchestrator.trust;

/** Port: where executors' records are kept so that reputations survive restarts (the journal). */
public interface ExecutorRecords {
  /** What the orchestrator has verified about an executor so far; zeros for one never seen. */
  ExecutorRecord executor(String did);

  /** Replaces an executor's record. */
  void saveExecutor(ExecutorRecord record);
}
