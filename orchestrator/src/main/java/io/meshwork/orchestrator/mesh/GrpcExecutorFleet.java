package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.executor.v1.AnnounceBatchRequest;
import io.meshwork.executor.v1.AnnounceBatchResponse;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

  /** An announcement waiting to go out, with how long its caller waits for the answer. */
  private record Announcing(JobAnnouncementV1 announcement, Duration answerWithin) {}

  private static final class Remote implements ExecutorHandle {
    // Announcements made while others to the same executor are out go together in one
    // AnnounceBatch call: placing a job's chunks costs each executor one call, not one per chunk.
    private static final int MAX_ANNOUNCEMENTS = 1_024;
    private static final int ANNOUNCE_CALLS_IN_FLIGHT = 2;

    private final String endpoint;
    private final ExecutorServiceGrpc.ExecutorServiceBlockingStub stub;
    private final MicroBatcher<Announcing, AnnounceResponse> announcements =
        new MicroBatcher<>(this::announceBatch, MAX_ANNOUNCEMENTS, ANNOUNCE_CALLS_IN_FLIGHT);
    // Cleared when the executor does not know AnnounceBatch (an older build): one call each.
    private volatile boolean batches = true;

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
      try {
        return announcements.submit(new Announcing(announcement, wait)).join();
      } catch (CompletionException e) {
        // The caller sees the call's own failure, as if it had made the call alone.
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e;
      }
    }

    private void announceBatch(
        List<Announcing> requests, List<CompletableFuture<AnnounceResponse>> outcomes) {
      if (requests.size() == 1 || !batches) {
        // One call each, all at once, as the announcements would have gone without batching.
        List<Thread> calls = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
          Announcing a = requests.get(i);
          CompletableFuture<AnnounceResponse> outcome = outcomes.get(i);
          calls.add(
              Thread.ofVirtual()
                  .start(
                      () -> {
                        try {
                          outcome.complete(announceOne(a));
                        } catch (RuntimeException e) {
                          outcome.completeExceptionally(e);
                        }
                      }));
        }
        for (Thread t : calls) {
          try {
            t.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        return;
      }
      Duration wait = Duration.ZERO;
      AnnounceBatchRequest.Builder request = AnnounceBatchRequest.newBuilder();
      for (Announcing a : requests) {
        request.addAnnouncements(a.announcement());
        wait = wait.compareTo(a.answerWithin()) < 0 ? a.answerWithin() : wait;
      }
      AnnounceBatchResponse response;
      try {
        response =
            stub.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
                .announceBatch(request.build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
          batches = false;
          announceBatch(requests, outcomes);
          return;
        }
        throw e;
      }
      if (response.getAnswersCount() != requests.size()) {
        throw new IllegalStateException(
            endpoint
                + " answered "
                + response.getAnswersCount()
                + " of "
                + requests.size()
                + " announcements");
      }
      for (int i = 0; i < requests.size(); i++) {
        outcomes.get(i).complete(response.getAnswers(i));
      }
    }

    private AnnounceResponse announceOne(Announcing a) {
      return stub.withDeadlineAfter(a.answerWithin().toMillis(), TimeUnit.MILLISECONDS)
          .announce(AnnounceRequest.newBuilder().setAnnouncement(a.announcement()).build());
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
