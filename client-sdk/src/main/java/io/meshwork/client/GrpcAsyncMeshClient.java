package io.meshwork.client;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshwork.compute.v1.CancelJobRequest;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetJobResultRequest;
import io.meshwork.compute.v1.GetJobStatusRequest;
import io.meshwork.compute.v1.ListJobsRequest;
import io.meshwork.compute.v1.ListJobsResponse;
import io.meshwork.compute.v1.SubmitJobRequest;
import io.meshwork.compute.v1.WatchJobRequest;
import io.meshwork.compute.v1.WatchJobResponse;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The {@link AsyncMeshClient} over grpc-java's asynchronous stubs, on the channels of the {@link
 * GrpcMeshClient} that made it. Each call runs in a cancellable gRPC context of its own, so that
 * cancelling its future (or a subscription) cancels the call on the wire. That context is forked: a
 * call chained onto another's future starts inside the first call's callback, whose context ends
 * with it, and must not end with it too.
 */
final class GrpcAsyncMeshClient implements AsyncMeshClient {
  private final ComputeServiceGrpc.ComputeServiceStub compute;
  private final LedgerServiceGrpc.LedgerServiceStub ledger;
  private final MeshClientOptions options;
  private final String computeAuthority;
  private final String ledgerAuthority;

  GrpcAsyncMeshClient(
      Channel computeChannel,
      Channel ledgerChannel,
      CallCredentials credentials,
      MeshClientOptions options) {
    int max = options.maxMessageBytes();
    this.compute =
        ComputeServiceGrpc.newStub(computeChannel)
            .withCallCredentials(credentials)
            .withMaxInboundMessageSize(max)
            .withMaxOutboundMessageSize(max);
    this.ledger =
        LedgerServiceGrpc.newStub(ledgerChannel)
            .withCallCredentials(credentials)
            .withMaxInboundMessageSize(max)
            .withMaxOutboundMessageSize(max);
    this.options = options;
    this.computeAuthority = computeChannel.authority();
    this.ledgerAuthority = ledgerChannel.authority();
  }

  @Override
  public String did() {
    return options.identity().did();
  }

  @Override
  public CompletableFuture<String> submit(JobRequest job) {
    Objects.requireNonNull(job, "job");
    SubmitJobRequest request;
    try {
      request = JobAnswers.submitRequest(job, options);
    } catch (MeshClientException e) {
      return CompletableFuture.failedFuture(e);
    }
    return orchestrator(computeWithDeadline(Duration.ZERO)::submitJob, request)
        .handle(
            (response, failure) -> {
              if (failure != null) {
                Throwable cause = unwrap(failure);
                throw cause instanceof MeshClientException e
                    ? JobAnswers.submitFailure(job, request, e)
                    : new CompletionException(cause);
              }
              return JobAnswers.submitted(response);
            });
  }

  @Override
  public CompletableFuture<ComputeJobStatus> status(String jobId) {
    GetJobStatusRequest request = GetJobStatusRequest.newBuilder().setJobId(check(jobId)).build();
    return orchestrator(computeWithDeadline(Duration.ZERO)::getJobStatus, request)
        .thenApply(r -> r.getStatus());
  }

  @Override
  public CompletableFuture<JobResult> result(String jobId, Duration wait) {
    ResultWait waiting;
    try {
      waiting = new ResultWait(check(jobId), wait);
    } catch (IllegalArgumentException | NullPointerException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<JobResult> outcome = new CompletableFuture<>();
    askForResult(jobId, waiting, outcome);
    return outcome;
  }

  /**
   * One GetJobResult call of a wait; the next is scheduled (after a pause, if the orchestrator
   * answered at once) until the job ends or the wait is over. Cancelling {@code outcome} cancels
   * the call in flight, and no further call is made.
   */
  private void askForResult(
      String jobId, ResultWait waiting, CompletableFuture<JobResult> outcome) {
    if (outcome.isDone()) {
      return;
    }
    long asked = waiting.nextCallMillis();
    GetJobResultRequest request =
        GetJobResultRequest.newBuilder().setJobId(jobId).setTimeoutMs((int) asked).build();
    CompletableFuture<io.meshwork.compute.v1.GetJobResultResponse> call =
        orchestrator(computeWithDeadline(Duration.ofMillis(asked))::getJobResult, request);
    outcome.whenComplete((r, e) -> call.cancel(true));
    call.whenComplete(
        (response, failure) -> {
          if (failure != null) {
            outcome.completeExceptionally(unwrap(failure));
            return;
          }
          JobResult result;
          try {
            result = JobAnswers.result(jobId, response);
          } catch (RuntimeException e) {
            outcome.completeExceptionally(e);
            return;
          }
          long pause = waiting.pauseAfter(result);
          if (pause < 0) {
            outcome.complete(result);
          } else {
            CompletableFuture.runAsync(
                () -> askForResult(jobId, waiting, outcome),
                CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS));
          }
        });
  }

  @Override
  public CompletableFuture<Boolean> cancel(String jobId) {
    CancelJobRequest request = CancelJobRequest.newBuilder().setJobId(check(jobId)).build();
    return orchestrator(computeWithDeadline(Duration.ZERO)::cancelJob, request)
        .thenApply(r -> r.getSuccess());
  }

  @Override
  public CompletableFuture<Balance> balance() {
    GetAccountRequest request = GetAccountRequest.newBuilder().setDid(did()).build();
    return call(
            "ledger",
            ledgerAuthority,
            ledger.withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS)
                ::getAccount,
            request)
        .thenApply(r -> new Balance(r.getAccount(), r.getPendingHoldsList(), r.getRegeneration()));
  }

  @Override
  public CompletableFuture<List<ComputeJobStatus>> jobs(int limit) {
    if (limit < 1) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("the limit must be at least 1, got " + limit));
    }
    CompletableFuture<List<ComputeJobStatus>> outcome = new CompletableFuture<>();
    nextJobs(limit, "", new ArrayList<>(), outcome);
    return outcome;
  }

  private void nextJobs(
      int limit,
      String token,
      List<ComputeJobStatus> jobs,
      CompletableFuture<List<ComputeJobStatus>> outcome) {
    ListJobsRequest request =
        ListJobsRequest.newBuilder()
            .setPageSize(Math.min(limit - jobs.size(), GrpcMeshClient.MAX_JOBS_PAGE))
            .setPageToken(token)
            .build();
    CompletableFuture<ListJobsResponse> call =
        orchestrator(computeWithDeadline(Duration.ZERO)::listJobs, request);
    outcome.whenComplete((r, e) -> call.cancel(true));
    call.whenComplete(
        (page, failure) -> {
          if (failure != null) {
            outcome.completeExceptionally(unwrap(failure));
            return;
          }
          for (ComputeJobStatus job : page.getJobsList()) {
            if (jobs.size() < limit) {
              jobs.add(job);
            }
          }
          if (page.getNextPageToken().isEmpty() || jobs.size() >= limit) {
            outcome.complete(List.copyOf(jobs));
          } else {
            nextJobs(limit, page.getNextPageToken(), jobs, outcome);
          }
        });
  }

  @Override
  public JobSubscription watch(String jobId, Consumer<ComputeJobStatus> listener) {
    Objects.requireNonNull(listener, "listener");
    WatchJobRequest request = WatchJobRequest.newBuilder().setJobId(check(jobId)).build();
    Context.CancellableContext context = Context.current().fork().withCancellation();
    Subscription subscription = new Subscription(context, listener);
    context.run(() -> compute.watchJob(request, subscription));
    return subscription;
  }

  /** A WatchJob stream handed to a listener, ended by the job, a failure or the caller. */
  private final class Subscription implements JobSubscription, StreamObserver<WatchJobResponse> {
    private final Context.CancellableContext context;
    private final Consumer<ComputeJobStatus> listener;
    private final CompletableFuture<ComputeJobStatus> finished = new CompletableFuture<>();
    private ComputeJobStatus last;

    Subscription(Context.CancellableContext context, Consumer<ComputeJobStatus> listener) {
      this.context = context;
      this.listener = listener;
      // However it ends, the call ends with it; cancelling an ended call does nothing.
      finished.whenComplete((s, e) -> context.cancel(null));
    }

    @Override
    public CompletableFuture<ComputeJobStatus> finished() {
      return finished;
    }

    // cancel and onNext share the lock: once cancel returns, no listener call is under way, so
    // the caller hears nothing more.
    @Override
    public synchronized void cancel() {
      finished.cancel(false);
    }

    @Override
    public synchronized void onNext(WatchJobResponse update) {
      if (finished.isDone()) {
        return;
      }
      last = update.getStatus();
      try {
        listener.accept(last);
      } catch (RuntimeException e) {
        // A listener that throws ends its own subscription, with its exception.
        finished.completeExceptionally(e);
      }
    }

    @Override
    public void onError(Throwable t) {
      finished.completeExceptionally(
          t instanceof StatusRuntimeException e
              ? GrpcMeshClient.failure("orchestrator", computeAuthority, e)
              : t);
    }

    @Override
    public void onCompleted() {
      if (last == null) {
        finished.completeExceptionally(
            new MeshClientException(
                io.grpc.Status.Code.INTERNAL,
                "EMPTY_WATCH",
                "the orchestrator ended the watch of a job without sending its status"));
      } else {
        finished.complete(last);
      }
    }
  }

  private ComputeServiceGrpc.ComputeServiceStub computeWithDeadline(Duration extra) {
    return compute.withDeadlineAfter(
        options.callDeadline().plus(extra).toMillis(), TimeUnit.MILLISECONDS);
  }

  private <Q, R> CompletableFuture<R> orchestrator(
      BiConsumer<Q, StreamObserver<R>> method, Q request) {
    return call("orchestrator", computeAuthority, method, request);
  }

  /**
   * Starts one unary call in a context of its own and returns its answer as a future; cancelling
   * the future cancels the call. Failures become the SDK's {@link MeshClientException}, named by
   * service and target as the blocking client names them.
   */
  private static <Q, R> CompletableFuture<R> call(
      String service, String authority, BiConsumer<Q, StreamObserver<R>> method, Q request) {
    CompletableFuture<R> future = new CompletableFuture<>();
    Context.CancellableContext context = Context.current().fork().withCancellation();
    future.whenComplete((r, e) -> context.cancel(null));
    context.run(
        () ->
            method.accept(
                request,
                new StreamObserver<R>() {
                  @Override
                  public void onNext(R value) {
                    future.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    future.completeExceptionally(
                        t instanceof StatusRuntimeException e
                            ? GrpcMeshClient.failure(service, authority, e)
                            : t);
                  }

                  @Override
                  public void onCompleted() {
                    future.completeExceptionally(
                        new MeshClientException(
                            io.grpc.Status.Code.INTERNAL,
                            "NO_ANSWER",
                            "the "
                                + service
                                + " at "
                                + authority
                                + " ended a call without answer"));
                  }
                }));
    return future;
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  private static String check(String jobId) {
    if (jobId == null || jobId.isBlank()) {
      throw new IllegalArgumentException("a job id must not be empty");
    }
    return jobId;
  }
}
