package io.meshwork.executor.work;

import io.meshwork.compute.v1.ComputeTaskResult;

/**
 * What an executor needs from the orchestrator that assigned it a task: somewhere to deliver the
 * result, and the module when the assignment named one this executor does not hold.
 */
public interface OrchestratorLink {
  /**
   * Delivers {@code result} to the orchestrator at {@code endpoint}; returns whether it was
   * verified.
   */
  boolean deliver(String endpoint, ComputeTaskResult result);

  /**
   * Fetches the module with CID {@code moduleCid} from the orchestrator at {@code endpoint}. The
   * caller checks the bytes against the CID; nothing here is trusted.
   *
   * @throws RuntimeException when the orchestrator cannot be reached or does not have it
   */
  byte[] fetchModule(String endpoint, String moduleCid);
}
