package io.meshwork.orchestrator.mesh;

import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import java.time.Duration;

/** One executor the orchestrator can announce tasks to and assign them to. */
public interface ExecutorHandle {
  /** Where the executor is ("host:port"). */
  String endpoint();

  /** Announces a task; the executor answers with a bid or a decline within {@code wait}. */
  AnnounceResponse announce(JobAnnouncementV1 announcement, Duration wait);

  /** Assigns a task; the executor acknowledges within {@code wait}. */
  AssignTaskResponse assign(AssignTaskRequest request, Duration wait);

  /** Asks the executor to stop an assignment; failures are ignored (the result is discarded). */
  void cancel(String assignmentId);

  /**
   * Takes back an assignment that has not started yet (work stealing); returns false when it is
   * already running, finished or unknown, or the executor cannot be reached.
   */
  boolean withdraw(String assignmentId);

  /** The bytes of a result the executor returned as a commitment only. */
  byte[] reveal(String assignmentId, Duration wait);

  /** Reads the executor's capacity. */
  GetCapacityResponse capacity(Duration wait);
}
