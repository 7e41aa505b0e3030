package io.meshwork.executor.work;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/** Reaches the assigning orchestrator's ComputeService with the executor's credentials. */
public final class GrpcOrchestratorLink implements OrchestratorLink {
  private static final Logger LOG = Logger.getLogger(GrpcOrchestratorLink.class.getName());

  private final Function<String, Channel> channels;
  private final CallCredentials credentials;

  /** Signs calls with the executor's credentials. */
  public GrpcOrchestratorLink(Function<String, Channel> channels, CallCredentials credentials) {
    this.channels = channels;
    this.credentials = credentials;
  }

  @Override
  public boolean deliver(String endpoint, ComputeTaskResult result) {
    Channel channel = channels.apply(endpoint);
    if (channel instanceof ManagedChannel managed
        && managed.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      // The orchestrator was unreachable a moment ago (it may have restarted): try again now
      // rather than after the channel's reconnect back-off, which grows to minutes.
      managed.resetConnectBackoff();
    }
    // Wait-for-ready: a result is not given up because the connection is being re-established;
    // the deadline still bounds the wait.
    boolean verified =
        ComputeServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(credentials)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .withWaitForReady()
            .returnTaskResult(ReturnTaskResultRequest.newBuilder().setResult(result).build())
            .getVerified();
    if (!verified) {
      LOG.info("the orchestrator did not verify the result of " + result.getTaskId());
    }
    return verified;
  }

  @Override
  public byte[] fetchModule(String endpoint, String moduleCid) {
    return stub(endpoint, 10)
        .getModule(GetModuleRequest.newBuilder().setModuleCid(moduleCid).build())
        .getWasmModule()
        .toByteArray();
  }

  private ComputeServiceGrpc.ComputeServiceBlockingStub stub(String endpoint, int seconds) {
    return ComputeServiceGrpc.newBlockingStub(channels.apply(endpoint))
        .withCallCredentials(credentials)
        .withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }
}
