package io.meshwork.orchestrator;

import io.meshwork.runtime.ServiceHost;

/** Runs the orchestrator as its own process: {@code [--config FILE] [--set key=value ...]}. */
public final class OrchestratorMain {
  private OrchestratorMain() {}

  /** Starts the orchestrator and serves until the process is stopped. */
  public static void main(String[] args) {
    ServiceHost.main(
        "orchestrator", OrchestratorSettings.SCHEMA, args, OrchestratorService::create);
  }
}
