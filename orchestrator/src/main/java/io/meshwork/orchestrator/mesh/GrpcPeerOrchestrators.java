package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.DelegateTaskResponse;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import io.meshwork.compute.v1.ReturnTaskResultResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** {@link PeerOrchestrators} over ComputeService's internal RPCs. */
public final class GrpcPeerOrchestrators implements PeerOrchestrators {
  private final List<String> peers;
  private final Function<String, Channel> channels;
  private final CallCredentials credentials;

  /** Peers from configuration, reached through {@code channels}. */
  public GrpcPeerOrchestrators(
      List<String> peers, Function<String, Channel> channels, CallCredentials credentials) {
    this.peers = List.copyOf(peers);
    this.channels = channels;
    this.credentials = credentials;
  }

  @Override
  public List<String> peers() {
    return peers;
  }

  @Override
  public DelegateTaskResponse delegate(String peer, DelegateTaskRequest request) {
    return stub(peer).withDeadlineAfter(10, TimeUnit.SECONDS).delegateTask(request);
  }

  @Override
  public ReturnTaskResultResponse returnResult(String target, ReturnTaskResultRequest request) {
    return stub(target).withDeadlineAfter(30, TimeUnit.SECONDS).returnTaskResult(request);
  }

  private ComputeServiceGrpc.ComputeServiceBlockingStub stub(String target) {
    return ComputeServiceGrpc.newBlockingStub(channels.apply(target))
        .withCallCredentials(credentials);
  }
}
