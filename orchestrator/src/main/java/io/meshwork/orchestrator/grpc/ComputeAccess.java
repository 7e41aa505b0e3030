package io.meshwork.orchestrator.grpc;

import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Role;

/**
 * Who may call an orchestrator ({@code meshwork.compute.v1.ComputeService}), as docs/AUTH.md lists
 * it: the user RPCs for any user (the job core then lets a user see and cancel only its own jobs,
 * an operator every job), delegation for peers, results for executors and peers, modules for
 * executors.
 */
public final class ComputeAccess {
  /** The roles allowed per RPC. */
  public static final AccessTable TABLE =
      AccessTable.forService(ComputeServiceGrpc.getServiceDescriptor())
          .servedBy(Role.ORCHESTRATOR)
          .allow("SubmitJob", Role.USER)
          .allow("GetJobStatus", Role.USER)
          .allow("GetJobResult", Role.USER)
          .allow("CancelJob", Role.USER)
          .allow("WatchJob", Role.USER)
          .allow("GetComputeCapacity", Role.USER)
          .allow("ListJobs", Role.USER)
          .allow("DelegateTask", Role.PEER)
          .allow("ReturnTaskResult", Role.EXECUTOR, Role.PEER)
          .allow("GetDelegation", Role.PEER)
          .allow("GetModule", Role.EXECUTOR)
          .build();

  private ComputeAccess() {}
}
