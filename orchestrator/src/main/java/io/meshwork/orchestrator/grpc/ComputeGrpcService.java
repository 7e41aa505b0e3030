package io.meshwork.orchestrator.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshwork.compute.v1.CancelJobRequest;
import io.meshwork.compute.v1.CancelJobResponse;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.DelegateTaskRequest;
import io.meshwork.compute.v1.DelegateTaskResponse;
import io.meshwork.compute.v1.DelegationState;
import io.meshwork.compute.v1.GetComputeCapacityRequest;
import io.meshwork.compute.v1.GetComputeCapacityResponse;
import io.meshwork.compute.v1.GetDelegationRequest;
import io.meshwork.compute.v1.GetDelegationResponse;
import io.meshwork.compute.v1.GetJobResultRequest;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.compute.v1.GetJobStatusRequest;
import io.meshwork.compute.v1.GetJobStatusResponse;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.compute.v1.GetModuleResponse;
import io.meshwork.compute.v1.ListJobsRequest;
import io.meshwork.compute.v1.ListJobsResponse;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import io.meshwork.compute.v1.ReturnTaskResultResponse;
import io.meshwork.compute.v1.SubmitJobRequest;
import io.meshwork.compute.v1.SubmitJobResponse;
import io.meshwork.compute.v1.WatchJobRequest;
import io.meshwork.compute.v1.WatchJobResponse;
import io.meshwork.content.Cid;
import io.meshwork.orchestrator.jobs.CapacityView;
import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.jobs.JobPage;
import io.meshwork.orchestrator.jobs.JobQueries;
import io.meshwork.orchestrator.jobs.JobResult;
import io.meshwork.orchestrator.jobs.JobState;
import io.meshwork.orchestrator.jobs.JobStatus;
import io.meshwork.orchestrator.jobs.ResultContent;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.orchestrator.wire.JobMessages;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.grpc.Rpc;
import io.meshwork.runtime.tracing.Spans;
import io.meshwork.runtime.tracing.TraceSpan;
import java.time.Duration;

/**
 * ComputeService over gRPC: checks the request's shape, turns it into the domain's terms, calls the
 * job core, and turns the answer back into messages. Which roles may call each RPC is {@link
 * ComputeAccess#TABLE}, checked before a handler runs; whose job it is, the job core's.
 */
public final class ComputeGrpcService extends ComputeServiceGrpc.ComputeServiceImplBase {
  private final JobCoordinator jobs;
  private final JobQueries queries;
  private final PendingResults pending;
  private final CapacityView capacity;

  /** Serves {@code jobs}, taking task results into {@code pending}. */
  public ComputeGrpcService(JobCoordinator jobs, PendingResults pending, CapacityView capacity) {
    this.jobs = jobs;
    this.queries = jobs.queries();
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
          String jobId;
          try (TraceSpan span = Spans.start("submit")) {
            jobId = jobs.submit(JobMessages.submitted(request.getManifest()), Caller.current());
            span.attribute("meshwork.job_id", jobId);
          }
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
          Caller caller = Caller.current();
          GetJobStatusResponse.Builder response =
              GetJobStatusResponse.newBuilder()
                  .setStatus(JobMessages.status(queries.status(jobId, caller)));
          if (request.getExplain()) {
            queries
                .placements(jobId, caller)
                .forEach(p -> response.addPlacements(TaskMessages.placement(p)));
          }
          if (request.getTree()) {
            queries.tree(jobId, caller).forEach(n -> response.addTree(TaskMessages.treeNode(n)));
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
          JobResult r =
              queries.result(
                  requireJobId(request.getJobId()),
                  Duration.ofMillis(request.getTimeoutMs()),
                  Caller.current());
          GetJobResultResponse.Builder response =
              GetJobResultResponse.newBuilder().setStatus(JobMessages.status(r.status()));
          r.receipts().forEach(ref -> response.addReceipts(JobMessages.receipt(ref)));
          JobState state = r.status().state();
          if (state == JobState.COMPLETED) {
            ResultContent result = r.content();
            response
                .setSuccess(true)
                .setResultCid(result.cid())
                .setResultSize(result.size())
                .setResultStored(result.stored())
                .setMerkleRoot(r.merkleRoot());
            if (!result.stored()) {
              response.setResult(ByteString.copyFrom(result.bytes()));
            }
            r.chunkProofs().forEach(p -> response.addChunkProofs(JobMessages.chunkProof(p)));
            if (r.statement() != null) {
              response.setJobStatement(JobMessages.statement(r.statement()));
            }
          } else if (state.terminal()) {
            response.setErrorMsg("job " + state.wireName() + ": " + r.status().errorMessage());
          } else {
            long waited = queries.boundedWait(Duration.ofMillis(request.getTimeoutMs())).toMillis();
            response.setErrorMsg("job is still " + state.wireName() + " after " + waited + " ms");
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
              .setStatus(JobMessages.status(queries.status(jobId, caller)))
              .build();
        });
  }

  @Override
  public void getComputeCapacity(
      GetComputeCapacityRequest request, StreamObserver<GetComputeCapacityResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          // Only a peer makes this orchestrator ask its own peers: anyone else would have every
          // call fan out over the mesh.
          int peerDepth = Caller.current().is(Role.PEER) ? request.getPeerDepth() : 0;
          return JobMessages.capacity(capacity.current()).toBuilder()
              .setTreeFreeSlots(jobs.capacity().treeFreeSlots(peerDepth))
              .build();
        });
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
          if (request.getReplyTo().isEmpty()) {
            throw MeshException.invalidArgument("MISSING_REPLY_TO", "reply_to is empty")
                .with("field", "reply_to");
          }
          if (request.getRequestId().isEmpty()) {
            throw MeshException.invalidArgument("MISSING_REQUEST_ID", "request_id is empty")
                .with("field", "request_id");
          }
          ComputeTaskPacket p = request.getTask();
          if (p.getWasmModule().isEmpty()
              || !Cid.matches(p.getWasmModuleHash(), p.getWasmModule().toByteArray())) {
            throw MeshException.invalidArgument(
                    "MODULE_MISMATCH",
                    "task.wasm_module is missing or does not match task.wasm_module_hash")
                .with("field", "task.wasm_module");
          }
          int estimate =
              jobs.delegations()
                  .accept(
                      TaskMessages.packet(p),
                      request.getReplyTo(),
                      request.getRequestId(),
                      Caller.current());
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
          Caller caller = Caller.current();
          if (!request.hasResult() || request.getResult().getAssignmentId().isEmpty()) {
            throw MeshException.invalidArgument(
                    "MISSING_ASSIGNMENT_ID", "result.assignment_id is missing")
                .with("field", "result.assignment_id");
          }
          PendingResults.Verdict verdict =
              pending.accept(
                  TaskMessages.result(request.getResult()),
                  new PendingResults.Sender(caller.did(), caller.is(Role.PEER)));
          return ReturnTaskResultResponse.newBuilder()
              .setVerified(verdict.verified())
              .setReason(verdict.reason())
              .build();
        });
  }

  @Override
  public void getDelegation(
      GetDelegationRequest request, StreamObserver<GetDelegationResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          if (request.getRequestId().isEmpty()) {
            throw MeshException.invalidArgument("MISSING_REQUEST_ID", "request_id is empty")
                .with("field", "request_id");
          }
          // Request ids are the delegator's random ids: only the two ends of a delegation know one.
          DelegationState state;
          if (jobs.delegations().runsFor(request.getRequestId(), Caller.current().did())) {
            state = DelegationState.DELEGATION_STATE_RUNNING;
          } else if (pending.awaitsDelegation(request.getRequestId())) {
            state = DelegationState.DELEGATION_STATE_AWAITED;
          } else {
            state = DelegationState.DELEGATION_STATE_UNKNOWN;
          }
          return GetDelegationResponse.newBuilder().setState(state).build();
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
          byte[] module = queries.module(request.getModuleCid(), Caller.current());
          return GetModuleResponse.newBuilder().setWasmModule(ByteString.copyFrom(module)).build();
        });
  }

  @Override
  public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          JobPage page =
              queries.list(
                  Caller.current(),
                  Integer.toUnsignedLong(request.getPageSize()),
                  request.getPageToken());
          ListJobsResponse.Builder response =
              ListJobsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.jobs().forEach(s -> response.addJobs(JobMessages.status(s)));
          return response.build();
        });
  }

  @Override
  public void watchJob(WatchJobRequest request, StreamObserver<WatchJobResponse> observer) {
    ServerCallStreamObserver<WatchJobResponse> stream =
        (ServerCallStreamObserver<WatchJobResponse>) observer;
    // Refusals (no job_id, an unknown job, someone else's) are thrown; the interceptor maps them.
    String jobId = requireJobId(request.getJobId());
    Watch watch = new Watch(stream);
    try {
      JobQueries.Subscription subscription = queries.watch(jobId, Caller.current(), watch::send);
      stream.setOnCancelHandler(subscription::close);
    } catch (Watch.Ended e) {
      // The stream ended while registering (the job had already finished, or the caller left).
    }
  }

  /** One WatchJob stream; job threads write it one at a time. */
  private static final class Watch {
    private final ServerCallStreamObserver<WatchJobResponse> stream;
    private boolean ended;

    Watch(ServerCallStreamObserver<WatchJobResponse> stream) {
      this.stream = stream;
    }

    /**
     * Sends one status. Throws {@link Ended} once the stream is over, which is how a watcher asks
     * the job core to drop it; a failure to send ends the call through Rpc.fail first.
     */
    synchronized void send(JobStatus status) {
      if (ended || stream.isCancelled()) {
        ended = true;
        throw new Ended();
      }
      try {
        stream.onNext(WatchJobResponse.newBuilder().setStatus(JobMessages.status(status)).build());
        if (status.state().terminal()) {
          ended = true;
          stream.onCompleted();
        }
      } catch (RuntimeException e) {
        ended = true;
        Rpc.fail(stream, e);
        throw new Ended();
      }
    }

    /** The stream is over; carries no stack trace, since it is a signal, not a failure. */
    static final class Ended extends RuntimeException {
      private static final long serialVersionUID = 1L;

      Ended() {
        super("the watch has ended", null, false, false);
      }
    }
  }

  private static String requireJobId(String jobId) {
    if (jobId.isEmpty()) {
      throw MeshException.invalidArgument("MISSING_JOB_ID", "job_id is empty")
          .with("field", "job_id");
    }
    return jobId;
  }
}
