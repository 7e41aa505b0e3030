package io.meshwork.executor;

import io.meshwork.runtime.ServiceHost;

/** Runs an executor as its own process: {@code [--config FILE] [--set key=value ...]}. */
public final class ExecutorMain {
  private ExecutorMain() {}

  /** Starts the executor and serves until the process is stopped. */
  public static void main(String[] args) {
    ServiceHost.main("executor", ExecutorSettings.SCHEMA, args, ExecutorNode::create);
  }
}
