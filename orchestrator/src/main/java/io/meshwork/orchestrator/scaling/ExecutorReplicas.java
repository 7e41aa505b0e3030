package io.meshwork.orchestrator.scaling;

/** Port: the number of executors the platform runs (on Kubernetes, a Deployment's replicas). */
public interface ExecutorReplicas {
  /**
   * How many executors are asked for now.
   *
   * @throws RuntimeException when the platform cannot be asked (tried again at the next round)
   */
  int current();

  /**
   * Asks for {@code count} executors.
   *
   * @throws RuntimeException when the platform refuses or cannot be reached
   */
  void scaleTo(int count);
}
