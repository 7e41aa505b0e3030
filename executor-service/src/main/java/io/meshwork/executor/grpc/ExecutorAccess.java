package io.meshwork.executor.grpc;

import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Role;

/**
 * Who may call an executor ({@code meshwork.executor.v1.ExecutorService}), as docs/AUTH.md lists
 * it: the orchestrators it serves ({@code auth.orchestrators}), and nobody else, for every RPC.
 */
public final class ExecutorAccess {
  /** The roles allowed per RPC. */
  public static final AccessTable TABLE =
      AccessTable.forService(ExecutorServiceGrpc.getServiceDescriptor())
          .servedBy(Role.EXECUTOR)
          .allow("Announce", Role.ORCHESTRATOR)
          .allow("AnnounceBatch", Role.ORCHESTRATOR)
          .allow("AssignTask", Role.ORCHESTRATOR)
          .allow("AssignTasks", Role.ORCHESTRATOR)
          .allow("CancelTask", Role.ORCHESTRATOR)
          .allow("RevealResult", Role.ORCHESTRATOR)
          .allow("GetCapacity", Role.ORCHESTRATOR)
          .build();

  private ExecutorAccess() {}
}
