package io.meshwork.executor.work;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/** Delivers results through the assigning orchestrator's ComputeService.ReturnTaskResult. */
public final class GrpcResultSink implements ResultSink {
  private static final Logger LOG = Logger.getLogger(GrpcResultSink.class.getName());

  private final Function<String, Channel> channels;
  private final CallCredentials credentials;

  /** Signs deliveries with the executor's credentials. */
  public GrpcResultSink(Function<String, Channel> channels, CallCredentials credentials) {
    this.channels = channels;
    this.credentials = credentials;
  }

  @Override
  public boolean deliver(String endpoint, ComputeTaskResult result) {
    boolean verified =
        ComputeServiceGrpc.newBlockingStub(channels.apply(endpoint))
            .withCallCredentials(credentials)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .returnTaskResult(ReturnTaskResultRequest.newBuilder().setResult(result).build())
            .getVerified();
    if (!verified) {
      LOG.info("the orchestrator did not verify the result of " + result.getTaskId());
    }
    return verified;
  }
}
