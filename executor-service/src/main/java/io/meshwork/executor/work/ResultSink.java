package io.meshwork.executor.work;

import io.meshwork.compute.v1.ComputeTaskResult;

/** Where a finished task's result goes: the ComputeService that assigned it. */
public interface ResultSink {
  /**
   * Delivers {@code result} to the orchestrator at {@code endpoint}; returns whether it was
   * verified.
   */
  boolean deliver(String endpoint, ComputeTaskResult result);
}
