package io.meshwork.orchestrator.mesh;

import java.util.List;

/** The executors this orchestrator knows right now. */
public interface ExecutorFleet {
  /** The known executors. */
  List<ExecutorHandle> executors();
}
