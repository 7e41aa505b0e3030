package io.meshwork.orchestrator.mesh;

import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.DelegateTaskResponse;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import io.meshwork.compute.v1.ReturnTaskResultResponse;
import java.util.List;

/** Other orchestrators: those this one delegates to, and delegators it returns results to. */
public interface PeerOrchestrators {
  /** The configured peers ("host:port") that take delegated tasks. */
  List<String> peers();

  /** Delegates a task to {@code peer}. */
  DelegateTaskResponse delegate(String peer, DelegateTaskRequest request);

  /** Returns a delegated task's result to the delegator at {@code target}. */
  ReturnTaskResultResponse returnResult(String target, ReturnTaskResultRequest request);
}
