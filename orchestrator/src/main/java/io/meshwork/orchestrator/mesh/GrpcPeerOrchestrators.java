package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.DelegateTaskResponse;
import io.meshwork.compute.v1.GetComputeCapacityRequest;
import io.meshwork.compute.v1.GetDelegationRequest;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskResult;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.runtime.tls.PeerIdentity;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
  public Delegated delegate(String peer, TaskPacket task, String replyTo, String requestId) {
    DelegateTaskRequest request =
        DelegateTaskRequest.newBuilder()
            .setTask(TaskMessages.packet(task))
            .setReplyTo(replyTo)
            .setRequestId(requestId)
            .build();
    try {
      AtomicReference<String> proved = new AtomicReference<>();
      DelegateTaskResponse r =
          stub(peer)
              .withInterceptors(PeerIdentity.captureServerDid(proved))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .delegateTask(request);
      return new Delegated(
          r.getAccepted(), r.getReason(), proved.get() == null ? "" : proved.get());
    } catch (StatusRuntimeException e) {
      throw new RemoteCallFailed(
          e.getMessage(),
          e.getStatus().toString(),
          e.getStatus().getCode() == Status.Code.UNAVAILABLE);
    }
  }

  @Override
  public OptionalInt freeSlots(String peer, int peerDepth) {
    try {
      return OptionalInt.of(
          stub(peer)
              // Long enough for a first call to open its connection and TLS session on a busy
              // host; a peer's answer is then reused for a while (TreeCapacity), so a slow or
              // silent peer costs a job's planning this at most once per reading.
              .withDeadlineAfter(3, TimeUnit.SECONDS)
              .getComputeCapacity(
                  GetComputeCapacityRequest.newBuilder().setPeerDepth(peerDepth).build())
              .getTreeFreeSlots());
    } catch (StatusRuntimeException e) {
      // A peer that does not answer offers no capacity now.
      return OptionalInt.empty();
    }
  }

  @Override
  public DelegationState delegationState(String target, String requestId) {
    try {
      DelegationState state =
          switch (stub(target)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .getDelegation(GetDelegationRequest.newBuilder().setRequestId(requestId).build())
              .getState()) {
            case DELEGATION_STATE_RUNNING -> DelegationState.RUNNING;
            case DELEGATION_STATE_AWAITED -> DelegationState.AWAITED;
            default -> DelegationState.UNKNOWN;
          };
      return state;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        // A peer of an older version cannot say: only the task's deadline ends the wait for it.
        return DelegationState.RUNNING;
      }
      throw new RemoteCallFailed(
          e.getMessage(),
          e.getStatus().toString(),
          e.getStatus().getCode() == Status.Code.UNAVAILABLE);
    }
  }

  @Override
  public void returnResult(String target, TaskResult result) {
    stub(target)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .returnTaskResult(
            ReturnTaskResultRequest.newBuilder().setResult(TaskMessages.result(result)).build());
  }

  private ComputeServiceGrpc.ComputeServiceBlockingStub stub(String target) {
    return ComputeServiceGrpc.newBlockingStub(channels.apply(target))
        .withCallCredentials(credentials);
  }
}
