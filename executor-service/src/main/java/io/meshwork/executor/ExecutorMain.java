package io.meshwork.executor;

import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.Settings;

/**
 * Runs an executor as its own process: {@code [--config FILE] [--set key=value ...]}. With {@code
 * executor.join}, it joins that orchestrator before it serves ({@link ExecutorStart}).
 */
public final class ExecutorMain {
  private ExecutorMain() {}

  /** Starts the executor and serves until the process is stopped. */
  public static void main(String[] args) {
    ServiceHost.serve(
        "executor",
        ExecutorSettings.SCHEMA,
        args,
        settings -> ExecutorStart.prepare(settings, ExecutorNode.Alterations.NONE));
  }

  /**
   * Starts an executor on Netty as {@link #main} does, joining first when the settings ask, and
   * returns once it serves: for tests and launchers that run it in their own process.
   *
   * @throws io.meshwork.runtime.config.SettingsException when the settings are not allowed
   * @throws io.meshwork.runtime.StartRefusedException when the orchestrator refuses the join
   */
  public static ServiceHost start(Settings settings, ExecutorNode.Alterations alterations) {
    ServiceHost.Launch launch = ExecutorStart.prepare(settings, alterations);
    return ServiceHost.start(
        "executor", ExecutorSettings.SCHEMA, launch.settings(), launch.factory());
  }
}
