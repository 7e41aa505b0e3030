package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.meshwork.executor.v1.AnnounceRequest;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.CancelTaskRequest;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.executor.v1.RevealResultRequest;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The executors named in the orchestrator's configuration ({@code orchestrator.executors}), reached
 * over gRPC.
 */
public final class GrpcExecutorFleet implements ExecutorFleet {
  private final List<ExecutorHandle> executors;

  /**
   * A fleet of the executors at {@code endpoints}.
   *
   * @param channels opens (or reuses) the channel to an endpoint
   */
  public GrpcExecutorFleet(
      List<String> endpoints, Function<String, Channel> channels, CallCredentials credentials) {
    this.executors =
        endpoints.stream()
            .map(e -> (ExecutorHandle) new Remote(e, channels.apply(e), credentials))
            .toList();
  }

  @Override
  public List<ExecutorHandle> executors() {
    return executors;
  }

  private static final class Remote implements ExecutorHandle {
    private final String endpoint;
    private final ExecutorServiceGrpc.ExecutorServiceBlockingStub stub;

    Remote(String endpoint, Channel channel, CallCredentials credentials) {
      this.endpoint = endpoint;
      this.stub = ExecutorServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
    }

    @Override
    public String endpoint() {
      return endpoint;
    }

    @Override
    public AnnounceResponse announce(JobAnnouncementV1 announcement, Duration wait) {
      return stub.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
          .announce(AnnounceRequest.newBuilder().setAnnouncement(announcement).build());
    }

    @Override
    public AssignTaskResponse assign(AssignTaskRequest request, Duration wait) {
      return stub.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS).assignTask(request);
    }

    @Override
    public void cancel(String assignmentId) {
      try {
        stub.withDeadlineAfter(2, TimeUnit.SECONDS)
            .cancelTask(
                CancelTaskRequest.newBuilder()
                    .setAssignmentId(assignmentId)
                    .setRequestId(UUID.randomUUID().toString())
                    .build());
      } catch (RuntimeException ignored) {
        // A result that arrives for a cancelled assignment is discarded anyway.
      }
    }

    @Override
    public boolean withdraw(String assignmentId) {
      try {
        return stub.withDeadlineAfter(2, TimeUnit.SECONDS)
            .cancelTask(
                CancelTaskRequest.newBuilder()
                    .setAssignmentId(assignmentId)
                    .setRequestId(UUID.randomUUID().toString())
                    .setOnlyIfQueued(true)
                    .build())
            .getCancelled();
      } catch (RuntimeException e) {
        return false;
      }
    }

    @Override
    public byte[] reveal(String assignmentId, Duration wait) {
      return stub.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
          .revealResult(RevealResultRequest.newBuilder().setAssignmentId(assignmentId).build())
          .getResultData()
          .toByteArray();
    }

    @Override
    public GetCapacityResponse capacity(Duration wait) {
      return stub.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
          .getCapacity(GetCapacityRequest.getDefaultInstance());
    }
  }
}
