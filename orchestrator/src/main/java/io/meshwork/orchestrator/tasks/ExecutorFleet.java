package io.meshwork.orchestrator.tasks;

import java.util.List;

/** Port: the executors this orchestrator knows right now. */
public interface ExecutorFleet {
  /** The known executors. */
  List<ExecutorHandle> executors();
}
