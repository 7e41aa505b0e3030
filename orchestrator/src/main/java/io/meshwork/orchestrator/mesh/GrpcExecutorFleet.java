package io.meshwork.orchestrator.mesh;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshwork.executor.v1.AnnounceBatchRequest;
import io.meshwork.executor.v1.AnnounceBatchResponse;
import io.meshwork.executor.v1.AnnounceRequest;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.AssignTasksRequest;
import io.meshwork.executor.v1.AssignTasksResponse;
import io.meshwork.executor.v1.CancelTaskRequest;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.executor.v1.RevealResultRequest;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.orchestrator.tasks.AnnounceAnswer;
import io.meshwork.orchestrator.tasks.Announcement;
import io.meshwork.orchestrator.tasks.AssignAnswer;
import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.ExecutorCapacity;
import io.meshwork.orchestrator.tasks.ExecutorFleet;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.orchestrator.wire.ExecutorMessages;
import io.meshwork.runtime.tls.PeerIdentity;
import io.meshwork.runtime.tracing.Spans;
import io.meshwork.runtime.tracing.TraceContext;
import io.meshwork.runtime.tracing.TraceSpan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Executors reached over gRPC: a fixed fleet of configured endpoints (for tests and tools), and the
 * handles that membership opens for the executors that join. Every transport failure reaches the
 * domain as a {@link RemoteCallFailed}.
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
        endpoints.stream().map(e -> handle(e, channels.apply(e), credentials)).toList();
  }

  /** A handle to the executor at {@code endpoint} over {@code channel}. */
  public static ExecutorHandle handle(
      String endpoint, Channel channel, CallCredentials credentials) {
    return new Remote(endpoint, channel, credentials);
  }

  @Override
  public List<ExecutorHandle> executors() {
    return executors;
  }

  /**
   * An announcement waiting to go out, with how long its caller waits for the answer and the trace
   * it goes out in when it goes alone.
   */
  private record Announcing(
      JobAnnouncementV1 announcement, Duration answerWithin, TraceContext trace) {}

  /**
   * An executor's answer to one announcement, with the DID its TLS certificate proved on the call
   * that carried it (null over plaintext).
   */
  private record Answered(AnnounceResponse response, String provedDid) {}

  /**
   * An assignment waiting to go out, with how long its caller waits for the answer and the trace it
   * goes out in when it goes alone.
   */
  private record Assigning(AssignTaskRequest request, Duration answerWithin, TraceContext trace) {}

  private static final class Remote implements ExecutorHandle {
    // Announcements made while another call to the same executor is out go together in one
    // AnnounceBatch call: placing a job's chunks costs each executor one call, not one per chunk.
    // One call out at a time: an executor answers a batch in well under a millisecond, and at
    // two the mesh made about 15 % more calls for the same work (BENCHMARKS.md).
    private static final int MAX_ANNOUNCEMENTS = 1_024;
    private static final int ANNOUNCE_CALLS_IN_FLIGHT = 1;

    // Assignments go the same way, in AssignTasks calls whose answers stream back one by one as
    // each is ready, so that a batch never holds a fast task's answer behind a slow one's. A
    // batch stops counting as in flight when its first answer arrives: by then the executor has
    // admitted all of it.
    private static final int MAX_ASSIGNMENTS = 1_024;
    private static final int MAX_BATCH_BYTES = 4 << 20;
    private static final int ASSIGN_CALLS_IN_FLIGHT = 2;

    private final String endpoint;
    private final ExecutorServiceGrpc.ExecutorServiceBlockingStub stub;
    private final ExecutorServiceGrpc.ExecutorServiceStub asyncStub;
    private final MicroBatcher<Announcing, Answered> announcements =
        new MicroBatcher<>(this::announceBatch, MAX_ANNOUNCEMENTS, ANNOUNCE_CALLS_IN_FLIGHT);
    private final MicroBatcher<Assigning, AssignTaskResponse> assignments =
        new MicroBatcher<>(this::assignBatch, MAX_ASSIGNMENTS, ASSIGN_CALLS_IN_FLIGHT);
    // Cleared when the executor does not know AnnounceBatch or AssignTasks (an older build): one
    // call each.
    private volatile boolean batches = true;
    private volatile boolean assignStreams = true;

    Remote(String endpoint, Channel channel, CallCredentials credentials) {
      this.endpoint = endpoint;
      this.stub = ExecutorServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
      this.asyncStub = ExecutorServiceGrpc.newStub(channel).withCallCredentials(credentials);
    }

    @Override
    public String endpoint() {
      return endpoint;
    }

    @Override
    public AnnounceAnswer announce(Announcement announcement, Duration wait) {
      try {
        // The call itself has the deadline; this bound only guards against an answer never set.
        Answered r =
            answer(
                announcements.submit(
                    new Announcing(
                        ExecutorMessages.announcement(announcement), wait, TraceContext.current())),
                wait.plusSeconds(5));
        // The bid is judged against the identity the executor proved, not the one it claims.
        return ExecutorMessages.answer(r.response()).answeredBy(r.provedDid());
      } catch (StatusRuntimeException e) {
        throw failed(e);
      }
    }

    /** A failed call as the domain sees it: no transport types beyond this class. */
    private static RemoteCallFailed failed(StatusRuntimeException e) {
      return new RemoteCallFailed(
          e.getMessage(),
          e.getStatus().toString(),
          e.getStatus().getCode() == Status.Code.UNAVAILABLE);
    }

    /**
     * Waits for a batched request's own answer; the caller sees the call's own failure, as if it
     * had made the call alone, and a gRPC status whatever went wrong.
     */
    private <R> R answer(CompletableFuture<R> outcome, Duration wait) {
      try {
        return outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // Not sent yet: now it never will be. Already sent: the executor keeps an inline result
        // for the retry with the same assignment id.
        outcome.cancel(false);
        throw Status.DEADLINE_EXCEEDED
            .withDescription(endpoint + " gave no answer within " + wait.toMillis() + " ms")
            .asRuntimeException();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof StatusRuntimeException s
            ? s
            : Status.INTERNAL
                .withDescription("calling " + endpoint + " failed: " + e.getCause())
                .withCause(e.getCause())
                .asRuntimeException();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        outcome.cancel(false);
        throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
      }
    }

    private void announceBatch(
        List<Announcing> requests, List<CompletableFuture<Answered>> outcomes) {
      if (requests.size() == 1 || !batches) {
        eachAlone(requests, outcomes, a -> announceOne(a));
        return;
      }
      Duration wait = Duration.ZERO;
      AnnounceBatchRequest.Builder request = AnnounceBatchRequest.newBuilder();
      for (Announcing a : requests) {
        request.addAnnouncements(a.announcement());
        wait = wait.compareTo(a.answerWithin()) < 0 ? a.answerWithin() : wait;
      }
      AnnounceBatchResponse response;
      AtomicReference<String> proved = new AtomicReference<>();
      try {
        response =
            stub.withInterceptors(PeerIdentity.captureServerDid(proved))
                .withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
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
        outcomes.get(i).complete(new Answered(response.getAnswers(i), proved.get()));
      }
    }

    /**
     * One call per request, all at once, as they would have gone without batching; returns when all
     * are answered.
     */
    private static <T, R> void eachAlone(
        List<T> requests, List<CompletableFuture<R>> outcomes, Function<T, R> call) {
      List<Thread> calls = new ArrayList<>(requests.size());
      for (int i = 0; i < requests.size(); i++) {
        T request = requests.get(i);
        CompletableFuture<R> outcome = outcomes.get(i);
        calls.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        outcome.complete(call.apply(request));
                      } catch (Throwable e) {
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
    }

    private Answered announceOne(Announcing a) {
      AtomicReference<String> proved = new AtomicReference<>();
      try (TraceContext.Attached trace = a.trace().attach()) {
        AnnounceResponse response =
            stub.withInterceptors(PeerIdentity.captureServerDid(proved))
                .withDeadlineAfter(a.answerWithin().toMillis(), TimeUnit.MILLISECONDS)
                .announce(AnnounceRequest.newBuilder().setAnnouncement(a.announcement()).build());
        return new Answered(response, proved.get());
      }
    }

    @Override
    public AssignAnswer assign(Assignment assignment, Duration wait) {
      AssignTaskRequest request = ExecutorMessages.assignment(assignment);
      try (TraceSpan span = Spans.start("assignment")) {
        span.attribute("meshwork.executor.endpoint", endpoint)
            .attribute("meshwork.assignment_id", request.getAssignment().getAssignmentId())
            .attribute("meshwork.task_id", request.getTask().getTaskId());
        try {
          AssignTaskResponse r;
          Assigning assigning = new Assigning(request, wait, TraceContext.current());
          if (request.getSerializedSize() > MAX_BATCH_BYTES / 4) {
            // A large assignment (module bytes, a big chunk) goes alone: a batch saves little on
            // it, and several together could outgrow the executor's message limit.
            r = assignOne(assigning);
          } else {
            r = answer(assignments.submit(assigning), wait);
          }
          return ExecutorMessages.answer(r);
        } catch (StatusRuntimeException e) {
          span.failed(e);
          throw failed(e);
        }
      }
    }

    private void assignBatch(
        List<Assigning> requests, List<CompletableFuture<AssignTaskResponse>> outcomes) {
      // Assignments whose callers gave up while they waited to leave are not sent at all.
      List<Assigning> live = new ArrayList<>(requests.size());
      List<CompletableFuture<AssignTaskResponse>> liveOutcomes = new ArrayList<>(requests.size());
      for (int i = 0; i < requests.size(); i++) {
        if (!outcomes.get(i).isDone()) {
          live.add(requests.get(i));
          liveOutcomes.add(outcomes.get(i));
        }
      }
      if (live.size() <= 1 || !assignStreams) {
        eachAlone(live, liveOutcomes, this::assignOne);
        return;
      }
      // One call per MAX_BATCH_BYTES of assignments, all sent at once.
      List<AnswerStream> calls = new ArrayList<>();
      int from = 0;
      long bytes = 0;
      for (int i = 0; i < live.size(); i++) {
        int size = live.get(i).request().getSerializedSize();
        if (i > from && bytes + size > MAX_BATCH_BYTES) {
          calls.add(assignTogether(live.subList(from, i), liveOutcomes.subList(from, i)));
          from = i;
          bytes = 0;
        }
        bytes += size;
      }
      calls.add(
          assignTogether(live.subList(from, live.size()), liveOutcomes.subList(from, live.size())));
      for (AnswerStream call : calls) {
        if (call.awaitFirst() == AnswerStream.RESEND) {
          eachAlone(call.requests, call.outcomes, this::assignOne);
        }
      }
    }

    private AnswerStream assignTogether(
        List<Assigning> requests, List<CompletableFuture<AssignTaskResponse>> outcomes) {
      Duration wait = Duration.ZERO;
      AssignTasksRequest.Builder request = AssignTasksRequest.newBuilder();
      for (Assigning a : requests) {
        request.addAssignments(a.request());
        wait = wait.compareTo(a.answerWithin()) < 0 ? a.answerWithin() : wait;
      }
      AnswerStream answers = new AnswerStream(requests, outcomes, wait);
      asyncStub
          .withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
          .assignTasks(request.build(), answers);
      return answers;
    }

    private AssignTaskResponse assignOne(Assigning a) {
      try (TraceContext.Attached trace = a.trace().attach()) {
        return stub.withDeadlineAfter(a.answerWithin().toMillis(), TimeUnit.MILLISECONDS)
            .assignTask(a.request());
      }
    }

    /** The answers of one AssignTasks call, each completing its own assignment's outcome. */
    private final class AnswerStream implements StreamObserver<AssignTasksResponse> {
      static final int ANSWERING = 0;
      // The executor took none of them (no AssignTasks, or the batch was too big for it): they
      // go again one call each; their outcomes stay open for that.
      static final int RESEND = 1;

      final List<Assigning> requests;
      final List<CompletableFuture<AssignTaskResponse>> outcomes;
      private final Duration wait;
      private final CompletableFuture<Integer> first = new CompletableFuture<>();
      private volatile boolean answered;

      AnswerStream(
          List<Assigning> requests,
          List<CompletableFuture<AssignTaskResponse>> outcomes,
          Duration wait) {
        this.requests = requests;
        this.outcomes = outcomes;
        this.wait = wait;
      }

      /** Waits for the first answer or the end of the call, whichever comes first. */
      int awaitFirst() {
        try {
          return first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
          return ANSWERING;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return ANSWERING;
        }
      }

      @Override
      public void onNext(AssignTasksResponse r) {
        answered = true;
        int index = r.getIndex();
        if (index >= 0 && index < outcomes.size()) {
          outcomes.get(index).complete(r.getAnswer());
        }
        first.complete(ANSWERING);
      }

      @Override
      public void onError(Throwable t) {
        Status status = Status.fromThrowable(t);
        if (!answered
            && (status.getCode() == Status.Code.UNIMPLEMENTED
                || status.getCode() == Status.Code.RESOURCE_EXHAUSTED)) {
          if (status.getCode() == Status.Code.UNIMPLEMENTED) {
            assignStreams = false;
          }
          first.complete(RESEND);
          return;
        }
        StatusRuntimeException failure = status.asRuntimeException();
        outcomes.forEach(o -> o.completeExceptionally(failure));
        first.complete(ANSWERING);
      }

      @Override
      public void onCompleted() {
        for (int i = 0; i < outcomes.size(); i++) {
          outcomes
              .get(i)
              .completeExceptionally(
                  Status.INTERNAL
                      .withDescription(
                          endpoint + " ended AssignTasks without answering assignment " + i)
                      .asRuntimeException());
        }
        first.complete(ANSWERING);
      }
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
      try {
        return stub.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
            .revealResult(RevealResultRequest.newBuilder().setAssignmentId(assignmentId).build())
            .getResultData()
            .toByteArray();
      } catch (StatusRuntimeException e) {
        throw failed(e);
      }
    }

    @Override
    public ExecutorCapacity capacity(Duration wait) {
      try {
        GetCapacityResponse c =
            stub.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
                .getCapacity(GetCapacityRequest.getDefaultInstance());
        return ExecutorMessages.capacity(c);
      } catch (StatusRuntimeException e) {
        throw failed(e);
      }
    }

    @Override
    public String identify(Duration wait) {
      AtomicReference<String> proved = new AtomicReference<>();
      try {
        GetCapacityResponse c =
            stub.withInterceptors(PeerIdentity.captureServerDid(proved))
                .withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
                .getCapacity(GetCapacityRequest.getDefaultInstance());
        // Over plaintext nothing is proved: the claim is all there is (development only).
        return proved.get() != null ? proved.get() : c.getExecutorDid();
      } catch (StatusRuntimeException e) {
        throw failed(e);
      }
    }
  }
}
