package io.meshwork.orchestrator.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshwork.compute.v1.CancelJobRequest;
import io.meshwork.compute.v1.CancelJobResponse;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.DelegateTaskResponse;
import io.meshwork.compute.v1.GetComputeCapacityRequest;
import io.meshwork.compute.v1.GetComputeCapacityResponse;
import io.meshwork.compute.v1.GetJobResultRequest;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.compute.v1.GetJobStatusRequest;
import io.meshwork.compute.v1.GetJobStatusResponse;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.compute.v1.GetModuleResponse;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import io.meshwork.compute.v1.ReturnTaskResultResponse;
import io.meshwork.compute.v1.SubmitJobRequest;
import io.meshwork.compute.v1.SubmitJobResponse;
import io.meshwork.compute.v1.WatchJobRequest;
import io.meshwork.compute.v1.WatchJobResponse;
import io.meshwork.orchestrator.jobs.CapacityView;
import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.ErrorMapping;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.grpc.Rpc;
import java.time.Duration;

/** ComputeService over gRPC: checks the request's shape, calls the coordinator, maps back. */
public final class ComputeGrpcService extends ComputeServiceGrpc.ComputeServiceImplBase {
  private final JobCoordinator jobs;
  private final PendingResults pending;
  private final CapacityView capacity;

  /** Serves {@code jobs}, taking task results into {@code pending}. */
  public ComputeGrpcService(JobCoordinator jobs, PendingResults pending, CapacityView capacity) {
    this.jobs = jobs;
    this.pending = pending;
    this.capacity = capacity;
  }

  @Override
  public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          if (!request.hasManifest()) {
            throw MeshException.invalidArgument("MISSING_MANIFEST", "manifest is missing")
                .with("field", "manifest");
          }
          String jobId = jobs.submit(request.getManifest(), Caller.current());
          return SubmitJobResponse.newBuilder().setJobId(jobId).setSuccess(true).build();
        });
  }

  @Override
  public void getJobStatus(
      GetJobStatusRequest request, StreamObserver<GetJobStatusResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          String jobId = requireJobId(request.getJobId());
          GetJobStatusResponse.Builder response =
              GetJobStatusResponse.newBuilder().setStatus(jobs.status(jobId, Caller.current()));
          if (request.getExplain()) {
            response.addAllPlacements(jobs.placements(jobId, Caller.current()));
          }
          return response.build();
        });
  }

  @Override
  public void getJobResult(
      GetJobResultRequest request, StreamObserver<GetJobResultResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          JobCoordinator.JobResult r =
              jobs.result(
                  requireJobId(request.getJobId()),
                  Duration.ofMillis(request.getTimeoutMs()),
                  Caller.current());
          GetJobResultResponse.Builder response =
              GetJobResultResponse.newBuilder().setStatus(r.status()).addAllReceipts(r.receipts());
          String state = r.status().getStatus();
          if (state.equals(JobState.COMPLETED.wireName())) {
            response
                .setSuccess(true)
                .setResult(ByteString.copyFrom(r.result()))
                .setResultCid(r.resultCid())
                .setMerkleRoot(r.merkleRoot())
                .addAllChunkProofs(r.chunkProofs());
          } else if (JobState.fromWire(state).terminal()) {
            response.setErrorMsg("job " + state + ": " + r.status().getErrorMsg());
          } else {
            response.setErrorMsg(
                "job is still " + state + " after " + request.getTimeoutMs() + " ms");
          }
          return response.build();
        });
  }

  @Override
  public void cancelJob(CancelJobRequest request, StreamObserver<CancelJobResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller caller = Caller.current();
          String jobId = requireJobId(request.getJobId());
          boolean cancelled = jobs.cancel(jobId, caller);
          return CancelJobResponse.newBuilder()
              .setSuccess(cancelled)
              .setStatus(jobs.status(jobId, caller))
              .build();
        });
  }

  @Override
  public void getComputeCapacity(
      GetComputeCapacityRequest request, StreamObserver<GetComputeCapacityResponse> observer) {
    Rpc.unary(observer, capacity::current);
  }

  @Override
  public void delegateTask(
      DelegateTaskRequest request, StreamObserver<DelegateTaskResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          if (!request.hasTask()) {
            throw MeshException.invalidArgument("MISSING_TASK", "task is missing")
                .with("field", "task");
          }
          int estimate = jobs.acceptDelegation(request, Caller.current());
          return DelegateTaskResponse.newBuilder()
              .setAccepted(true)
              .setEstimatedTimeMs(estimate)
              .build();
        });
  }

  @Override
  public void returnTaskResult(
      ReturnTaskResultRequest request, StreamObserver<ReturnTaskResultResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Caller.current().requireService("ReturnTaskResult");
          if (!request.hasResult() || request.getResult().getAssignmentId().isEmpty()) {
            throw MeshException.invalidArgument(
                    "MISSING_ASSIGNMENT_ID", "result.assignment_id is missing")
                .with("field", "result.assignment_id");
          }
          PendingResults.Verdict verdict = pending.accept(request.getResult());
          return ReturnTaskResultResponse.newBuilder()
              .setVerified(verdict.verified())
              .setReason(verdict.reason())
              .build();
        });
  }

  @Override
  public void getModule(GetModuleRequest request, StreamObserver<GetModuleResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          if (request.getModuleCid().isEmpty()) {
            throw MeshException.invalidArgument("MISSING_MODULE_CID", "module_cid is empty")
                .with("field", "module_cid");
          }
          byte[] module = jobs.module(request.getModuleCid(), Caller.current());
          return GetModuleResponse.newBuilder().setWasmModule(ByteString.copyFrom(module)).build();
        });
  }

  @Override
  public void watchJob(WatchJobRequest request, StreamObserver<WatchJobResponse> observer) {
    ServerCallStreamObserver<WatchJobResponse> stream =
        (ServerCallStreamObserver<WatchJobResponse>) observer;
    try {
      String jobId = requireJobId(request.getJobId());
      Object lock = new Object();
      JobCoordinator.Subscription subscription =
          jobs.watch(
              jobId,
              Caller.current(),
              status -> {
                // Updates come from job threads; a stream takes one writer at a time.
                synchronized (lock) {
                  if (stream.isCancelled()) {
                    throw new IllegalStateException("watcher went away");
                  }
                  stream.onNext(WatchJobResponse.newBuilder().setStatus(status).build());
                  if (terminal(status)) {
                    stream.onCompleted();
                  }
                }
              });
      stream.setOnCancelHandler(subscription::close);
    } catch (IllegalStateException e) {
      // The stream completed while registering (the job had already ended).
    } catch (RuntimeException e) {
      observer.onError(ErrorMapping.toStatus(e));
    }
  }

  private static boolean terminal(ComputeJobStatus status) {
    return JobState.fromWire(status.getStatus()).terminal();
  }

  private static String requireJobId(String jobId) {
    if (jobId.isEmpty()) {
      throw MeshException.invalidArgument("MISSING_JOB_ID", "job_id is empty")
          .with("field", "job_id");
    }
    return jobId;
  }
}
