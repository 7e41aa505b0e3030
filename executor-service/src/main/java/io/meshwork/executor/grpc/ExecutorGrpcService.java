package io.meshwork.executor.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.executor.v1.AnnounceBatchRequest;
import io.meshwork.executor.v1.AnnounceBatchResponse;
import io.meshwork.executor.v1.AnnounceRequest;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.AssignTasksRequest;
import io.meshwork.executor.v1.AssignTasksResponse;
import io.meshwork.executor.v1.CancelTaskRequest;
import io.meshwork.executor.v1.CancelTaskResponse;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.executor.v1.RevealResultRequest;
import io.meshwork.executor.v1.RevealResultResponse;
import io.meshwork.executor.work.Bidder;
import io.meshwork.executor.work.TaskRunner;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.grpc.Rpc;
import java.util.function.UnaryOperator;

/**
 * ExecutorService over gRPC. Only the orchestrators this executor serves may call it ({@link
 * ExecutorAccess#TABLE}, checked before a handler runs); the handlers tie each assignment to the
 * orchestrator that made it.
 */
public final class ExecutorGrpcService extends ExecutorServiceGrpc.ExecutorServiceImplBase {
  // The longest an AssignTask call is held for an inline result, whatever the caller asks: the
  // call occupies a server thread meanwhile.
  private static final long MAX_INLINE_WAIT_MS = 1_000;
  private static final int MAX_ANNOUNCEMENTS = 1_024;
  private static final int MAX_ASSIGNMENTS = 1_024;

  private final Bidder bidder;
  private final TaskRunner runner;
  private final String did;
  private final long ramMb;
  private final UnaryOperator<AnnounceResponse> answers;
  private final UnaryOperator<ComputeTaskResult> inlineResults;

  /** Serves the executor identified by {@code did}. */
  public ExecutorGrpcService(Bidder bidder, TaskRunner runner, String did, long ramMb) {
    this(bidder, runner, did, ramMb, UnaryOperator.identity(), UnaryOperator.identity());
  }

  /**
   * Serves the executor identified by {@code did}, passing every answer to an announcement through
   * {@code answers} and every result answered inline through {@code inlineResults} (identities in
   * the product; tests that play a misbehaving executor alter them).
   */
  public ExecutorGrpcService(
      Bidder bidder,
      TaskRunner runner,
      String did,
      long ramMb,
      UnaryOperator<AnnounceResponse> answers,
      UnaryOperator<ComputeTaskResult> inlineResults) {
    this.answers = answers;
    this.inlineResults = inlineResults;
    this.bidder = bidder;
    this.runner = runner;
    this.did = did;
    this.ramMb = ramMb;
  }

  @Override
  public void announce(AnnounceRequest request, StreamObserver<AnnounceResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          if (!request.hasAnnouncement()) {
            throw MeshException.invalidArgument("MISSING_ANNOUNCEMENT", "announcement is missing")
                .with("field", "announcement");
          }
          return answers.apply(bidder.answer(request.getAnnouncement()));
        });
  }

  @Override
  public void announceBatch(
      AnnounceBatchRequest request, StreamObserver<AnnounceBatchResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          if (request.getAnnouncementsCount() > MAX_ANNOUNCEMENTS) {
            throw MeshException.invalidArgument(
                    "TOO_MANY_ANNOUNCEMENTS",
                    "a batch carries "
                        + request.getAnnouncementsCount()
                        + " announcements; at most "
                        + MAX_ANNOUNCEMENTS
                        + " are taken per call")
                .with("field", "announcements");
          }
          AnnounceBatchResponse.Builder response = AnnounceBatchResponse.newBuilder();
          for (JobAnnouncementV1 a : request.getAnnouncementsList()) {
            response.addAnswers(answers.apply(bidder.answer(a)));
          }
          return response.build();
        });
  }

  @Override
  public void assignTask(AssignTaskRequest request, StreamObserver<AssignTaskResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          check(request, "");
          return answer(admit(request, caller).answer());
        });
  }

  @Override
  public void assignTasks(
      AssignTasksRequest request, StreamObserver<AssignTasksResponse> observer) {
    Caller caller = Caller.current();
    int count = request.getAssignmentsCount();
    if (count == 0 || count > MAX_ASSIGNMENTS) {
      throw MeshException.invalidArgument(
              count == 0 ? "NO_ASSIGNMENTS" : "TOO_MANY_ASSIGNMENTS",
              "a batch carries "
                  + count
                  + " assignments; between 1 and "
                  + MAX_ASSIGNMENTS
                  + " are taken per call")
          .with("field", "assignments");
    }
    // The whole request is checked before anything is admitted: a bad batch admits nothing.
    for (int i = 0; i < count; i++) {
      check(request.getAssignments(i), "assignments[" + i + "].");
    }
    // Admitted in the request's order, so that they queue in that order, and each answered as
    // soon as it can be: at once, or from a thread of its own when it waits for its result.
    AnswerStream out = new AnswerStream(observer, request.getAssignmentsCount());
    for (int i = 0; i < request.getAssignmentsCount(); i++) {
      int index = i;
      TaskRunner.Admission admission;
      try {
        admission = admit(request.getAssignments(i), caller);
      } catch (RuntimeException e) {
        // Those admitted so far are still answered (their inline results must not wait for a
        // reader that never comes); the call fails with the reason the rest were not, under the
        // stream's lock rather than thrown, since their answers may be on their way already.
        out.fail(e);
        return;
      }
      if (admission.decided()) {
        out.send(index, admission);
      } else {
        Thread.ofVirtual().name("assign-answer").start(() -> out.send(index, admission));
      }
    }
  }

  /** The answers of one AssignTasks call, written by one thread at a time. */
  private final class AnswerStream {
    private final ServerCallStreamObserver<AssignTasksResponse> observer;
    private int unanswered;
    private boolean ended;

    AnswerStream(StreamObserver<AssignTasksResponse> observer, int count) {
      this.observer = (ServerCallStreamObserver<AssignTasksResponse>) observer;
      this.unanswered = count;
      // A caller that went away misses the answers; a result among them is remembered for its
      // retry (see TaskRunner.Admission), so nothing needs stopping here.
      this.observer.setOnCancelHandler(() -> {});
    }

    /** Answers an assignment, waiting for it first if it waits for its result. */
    void send(int index, TaskRunner.Admission admission) {
      AssignTaskResponse response;
      try {
        response = answer(admission.answer());
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      synchronized (this) {
        if (ended) {
          return;
        }
        if (!observer.isCancelled()) {
          observer.onNext(
              AssignTasksResponse.newBuilder().setIndex(index).setAnswer(response).build());
        }
        if (--unanswered == 0) {
          ended = true;
          if (!observer.isCancelled()) {
            observer.onCompleted();
          }
        }
      }
    }

    /**
     * Ends the call with {@code e}'s status; the caller retries the unanswered assignments, which
     * are recognised by their ids and never run twice.
     */
    synchronized void fail(RuntimeException e) {
      if (ended) {
        return;
      }
      ended = true;
      if (!observer.isCancelled()) {
        Rpc.fail(observer, e);
      }
    }
  }

  /** Rejects an assignment this executor cannot take as asked; {@code at} prefixes field names. */
  private void check(AssignTaskRequest request, String at) {
    if (!request.hasAssignment() || request.getAssignment().getAssignmentId().isEmpty()) {
      throw MeshException.invalidArgument(
              "MISSING_ASSIGNMENT_ID", at + "assignment.assignment_id is missing")
          .with("field", at + "assignment.assignment_id");
    }
    if (!did.equals(request.getAssignment().getExecutorDid())) {
      throw MeshException.invalidArgument(
              "WRONG_EXECUTOR",
              (at.isEmpty() ? "the " : at)
                  + "assignment names executor "
                  + request.getAssignment().getExecutorDid()
                  + ", this is "
                  + did)
          .with("field", at + "assignment.executor_did");
    }
    if (request.getResultEndpoint().isEmpty()) {
      throw MeshException.invalidArgument(
              "MISSING_RESULT_ENDPOINT", at + "result_endpoint is empty")
          .with("field", at + "result_endpoint");
    }
  }

  private TaskRunner.Admission admit(AssignTaskRequest request, Caller caller) {
    return runner.admit(
        request.getAssignment(),
        request.getTask(),
        request.getResultEndpoint(),
        caller.did(),
        request.getCommitFirst(),
        Math.min(Integer.toUnsignedLong(request.getInlineWaitMs()), MAX_INLINE_WAIT_MS));
  }

  private AssignTaskResponse answer(TaskRunner.Acceptance a) {
    AssignTaskResponse.Builder response =
        AssignTaskResponse.newBuilder().setAccepted(a.accepted()).setQueued(a.waiting());
    if (a.result() != null) {
      response.setResult(inlineResults.apply(a.result()));
    }
    if (!a.accepted()) {
      response.setReason(a.message()).setReasonCode(a.refusal().name());
    }
    return response.build();
  }

  @Override
  public void cancelTask(CancelTaskRequest request, StreamObserver<CancelTaskResponse> observer) {
    Rpc.unary(
        observer,
        () ->
            CancelTaskResponse.newBuilder()
                .setCancelled(
                    runner.cancel(
                        request.getAssignmentId(),
                        request.getOnlyIfQueued(),
                        Caller.current().did()))
                .build());
  }

  @Override
  public void revealResult(
      RevealResultRequest request, StreamObserver<RevealResultResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          return RevealResultResponse.newBuilder()
              .setResultData(
                  com.google.protobuf.ByteString.copyFrom(
                      runner.reveal(request.getAssignmentId(), caller.did())))
              .build();
        });
  }

  @Override
  public void getCapacity(
      GetCapacityRequest request, StreamObserver<GetCapacityResponse> observer) {
    Rpc.unary(
        observer,
        () ->
            GetCapacityResponse.newBuilder()
                .setExecutorDid(did)
                .setCpuCores(Runtime.getRuntime().availableProcessors())
                .setRamMb(ramMb)
                .setCurrentLoad((float) runner.load())
                .setTaskSlots(runner.slots())
                .setRunningTasks(runner.runningTasks())
                .setQueuedTasks(runner.queuedTasks())
                .setCachedModules(runner.cachedModules())
                .build());
  }
}
