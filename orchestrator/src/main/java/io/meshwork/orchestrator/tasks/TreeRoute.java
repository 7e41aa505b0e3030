package io.meshwork.orchestrator.tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a task has been in the delegation tree and how a node below may cut it again.
 *
 * @param path the orchestrators the task has passed, the job's own first, each as its DID: a node
 *     already on it refuses the task, so no configuration of peers can make work go round in a
 *     circle
 * @param splitStrategy how the task's input may be cut again ({@code lines}, {@code row_based},
 *     {@code fixed}); empty when it runs whole (a merge, a chunk of a module split, a job without a
 *     merge to put the parts together again)
 * @param minChunkSize the job's smallest chunk (0: none)
 * @param maxChunkSize the job's largest chunk (0: none)
 * @param operationWeight the job's weight per input byte, for the complexity score (0: unknown)
 */
public record TreeRoute(
    List<String> path,
    String splitStrategy,
    long minChunkSize,
    long maxChunkSize,
    double operationWeight) {
  /** A task that runs whole and has passed nobody (tests, and tasks built before a route). */
  public static final TreeRoute NONE = new TreeRoute(List.of(), "", 0, 0, 0);

  /** Copies the path. */
  public TreeRoute {
    path = List.copyOf(path);
  }

  /** Whether a node below may cut the task again. */
  public boolean splittable() {
    return !splitStrategy.isEmpty();
  }

  /** Whether {@code did} has already handled the task. */
  public boolean visited(String did) {
    return path.contains(did);
  }

  /** This route once {@code did} hands the task on. */
  public TreeRoute through(String did) {
    List<String> longer = new ArrayList<>(path);
    longer.add(did);
    return new TreeRoute(longer, splitStrategy, minChunkSize, maxChunkSize, operationWeight);
  }

  /** This route for a task that must run whole (a merge). */
  public TreeRoute whole() {
    return new TreeRoute(path, "", minChunkSize, maxChunkSize, operationWeight);
  }
}
