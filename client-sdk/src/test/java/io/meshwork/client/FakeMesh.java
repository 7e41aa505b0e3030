package io.meshwork.client;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshwork.compute.v1.CancelJobRequest;
import io.meshwork.compute.v1.CancelJobResponse;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetJobResultRequest;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.compute.v1.GetJobStatusRequest;
import io.meshwork.compute.v1.GetJobStatusResponse;
import io.meshwork.compute.v1.SubmitJobRequest;
import io.meshwork.compute.v1.SubmitJobResponse;
import io.meshwork.compute.v1.WatchJobRequest;
import io.meshwork.compute.v1.WatchJobResponse;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.Account;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.GetAccountResponse;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.ledger.v1.Hold;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.ListHistoryRequest;
import io.meshwork.ledger.v1.ListHistoryResponse;
import io.meshwork.ledger.v1.Regeneration;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.ServiceTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An in-process stand-in for an orchestrator and a ledger, scripted by each test: it records what
 * the SDK sends and answers with what the test put in it. Only for the SDK's and CLI's own tests.
 */
public final class FakeMesh implements AutoCloseable {
  /** The reason the fake gives for a module whose bytes start with "bad". */
  public static final String INVALID_MODULE = "INVALID_MODULE";

  /** Submitted manifests, in order. */
  public final List<ComputeJobManifest> manifests = new CopyOnWriteArrayList<>();

  /** The authorization header of every call, in order. */
  public final List<String> authorizations = new CopyOnWriteArrayList<>();

  /** Statuses by job id, for GetJobStatus. */
  public final Map<String, ComputeJobStatus> statuses = new ConcurrentHashMap<>();

  /** The delegation tree of a job, by job id, answered to GetJobStatus with tree. */
  public final Map<String, List<io.meshwork.compute.v1.DelegationNode>> trees =
      new ConcurrentHashMap<>();

  /** Updates by job id, for WatchJob; the stream ends after the last unless the job is "open". */
  public final Map<String, List<ComputeJobStatus>> updates = new ConcurrentHashMap<>();

  /** Results by job id, for GetJobResult. */
  public final Map<String, GetJobResultResponse> results = new ConcurrentHashMap<>();

  /** The timeout_ms of each GetJobResult, in order. */
  public final List<Integer> resultTimeouts = new CopyOnWriteArrayList<>();

  /** The jobs ListJobs lists, in order, a page at a time (the token is the next index). */
  public final List<ComputeJobStatus> listed = new CopyOnWriteArrayList<>();

  /** The page size of each ListJobs, in order. */
  public final List<Integer> listPageSizes = new CopyOnWriteArrayList<>();

  /** Answers of CancelJob by job id; a job not in it fails with NOT_FOUND. */
  public final Map<String, Boolean> cancellable = new ConcurrentHashMap<>();

  /** The ledger's entries for every DID, newest first. */
  public final List<HistoryEntry> history = new CopyOnWriteArrayList<>();

  /** The did and page size of each ListHistory, in order. */
  public final List<ListHistoryRequest> historyRequests = new CopyOnWriteArrayList<>();

  /** The did asked for by each GetAccount, in order. */
  public final List<String> accountRequests = new CopyOnWriteArrayList<>();

  /** The pending holds GetAccount lists with the account. */
  public final List<Hold> pendingHolds = new CopyOnWriteArrayList<>();

  /** The regeneration rule GetAccount returns; off unless a test sets one. */
  public volatile Regeneration regeneration = Regeneration.getDefaultInstance();

  /** Counted down when the client cancels the stream of the job "open". */
  public final CountDownLatch openWatchCancelled = new CountDownLatch(1);

  private final ServerInterceptor recordAuthorization;
  private final Server server;
  private final ManagedChannel computeChannel;
  private final ManagedChannel ledgerChannel;

  public FakeMesh() throws IOException {
    String name = InProcessServerBuilder.generateName();
    recordAuthorization =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            String header = headers.get(BearerCredentials.AUTHORIZATION);
            authorizations.add(header == null ? "" : header);
            return next.startCall(call, headers);
          }
        };
    server =
        InProcessServerBuilder.forName(name)
            .addService(ServerInterceptors.intercept(new Compute(), recordAuthorization))
            .addService(ServerInterceptors.intercept(new Ledger(), recordAuthorization))
            .build()
            .start();
    computeChannel = InProcessChannelBuilder.forName(name).build();
    ledgerChannel = InProcessChannelBuilder.forName(name).build();
  }

  /** Serves the same fakes over Netty on a free loopback port, for tests of real connections. */
  public Server startNetty() throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(ServerInterceptors.intercept(new Compute(), recordAuthorization))
        .addService(ServerInterceptors.intercept(new Ledger(), recordAuthorization))
        .build()
        .start();
  }

  /**
   * Serves the same fakes over Netty with TLS on a free loopback port, with a certificate that a
   * fresh development CA in {@code caDir} issues for localhost (its {@code ca.pem} is what a client
   * must trust).
   */
  public Server startNettyTls(Path caDir) throws IOException {
    ServiceTls tls =
        ServiceTls.issuedBy(
            CertificateAuthority.loadOrCreate(caDir),
            Identity.generate(),
            "fake-mesh",
            CertificateAuthority.LOOPBACK_NAMES);
    return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .sslContext(tls.serverContext())
        .addService(ServerInterceptors.intercept(new Compute(), recordAuthorization))
        .addService(ServerInterceptors.intercept(new Ledger(), recordAuthorization))
        .build()
        .start();
  }

  /** The channel to the fake orchestrator. */
  public ManagedChannel computeChannel() {
    return computeChannel;
  }

  /** The channel to the fake ledger. */
  public ManagedChannel ledgerChannel() {
    return ledgerChannel;
  }

  /** A client over the fake, with the given options' identity and limits. */
  public MeshClient client(MeshClientOptions options) {
    return MeshClient.over(computeChannel, ledgerChannel, options);
  }

  @Override
  public void close() {
    computeChannel.shutdownNow();
    ledgerChannel.shutdownNow();
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A status with the given progress. */
  public static ComputeJobStatus status(String jobId, String state, int done, int total) {
    return ComputeJobStatus.newBuilder()
        .setJobId(jobId)
        .setStatus(state)
        .setCompletedChunks(done)
        .setTotalChunks(total)
        .setProgress(total == 0 ? 0f : (float) done / total)
        .build();
  }

  static StatusRuntimeException failure(Code code, String reason, String message) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(message)
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason(reason)
                        .setDomain("compute.meshwork.io")
                        .putMetadata("job_id", "x")
                        .build()))
            .build());
  }

  private final class Compute extends ComputeServiceGrpc.ComputeServiceImplBase {
    @Override
    public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobResponse> response) {
      ComputeJobManifest manifest = request.getManifest();
      manifests.add(manifest);
      if (manifest.getWasmModule().toStringUtf8().startsWith("bad")) {
        response.onError(
            failure(
                Code.INVALID_ARGUMENT,
                INVALID_MODULE,
                "wasm_module: the module has no export named execute"));
        return;
      }
      if (manifest.getWasmModule().toStringUtf8().startsWith("refused")) {
        response.onNext(
            SubmitJobResponse.newBuilder().setSuccess(false).setErrorMsg("no executors").build());
        response.onCompleted();
        return;
      }
      String id = manifest.getJobId().isEmpty() ? "job-1" : manifest.getJobId();
      response.onNext(SubmitJobResponse.newBuilder().setJobId(id).setSuccess(true).build());
      response.onCompleted();
    }

    @Override
    public void getJobStatus(
        GetJobStatusRequest request, StreamObserver<GetJobStatusResponse> response) {
      if (request.getJobId().equals("slow")) {
        try {
          Thread.sleep(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      ComputeJobStatus status = statuses.get(request.getJobId());
      if (status == null) {
        response.onError(failure(Code.NOT_FOUND, "JOB_NOT_FOUND", "no job " + request.getJobId()));
        return;
      }
      GetJobStatusResponse.Builder answer = GetJobStatusResponse.newBuilder().setStatus(status);
      if (request.getTree()) {
        answer.addAllTree(trees.getOrDefault(request.getJobId(), List.of()));
      }
      response.onNext(answer.build());
      response.onCompleted();
    }

    @Override
    public void listJobs(
        io.meshwork.compute.v1.ListJobsRequest request,
        StreamObserver<io.meshwork.compute.v1.ListJobsResponse> response) {
      listPageSizes.add(request.getPageSize());
      int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
      int to = Math.min(listed.size(), from + request.getPageSize());
      response.onNext(
          io.meshwork.compute.v1.ListJobsResponse.newBuilder()
              .addAllJobs(listed.subList(from, to))
              .setNextPageToken(to < listed.size() ? Integer.toString(to) : "")
              .build());
      response.onCompleted();
    }

    @Override
    public void watchJob(WatchJobRequest request, StreamObserver<WatchJobResponse> response) {
      List<ComputeJobStatus> list = updates.get(request.getJobId());
      if (list == null) {
        response.onError(failure(Code.NOT_FOUND, "JOB_NOT_FOUND", "no job " + request.getJobId()));
        return;
      }
      if (request.getJobId().equals("open")) {
        ((ServerCallStreamObserver<WatchJobResponse>) response)
            .setOnCancelHandler(openWatchCancelled::countDown);
      }
      for (ComputeJobStatus status : list) {
        response.onNext(WatchJobResponse.newBuilder().setStatus(status).build());
      }
      if (!request.getJobId().equals("open")) {
        response.onCompleted();
      }
    }

    @Override
    public void getJobResult(
        GetJobResultRequest request, StreamObserver<GetJobResultResponse> response) {
      resultTimeouts.add(request.getTimeoutMs());
      GetJobResultResponse result = results.get(request.getJobId());
      if (result == null) {
        response.onError(failure(Code.NOT_FOUND, "JOB_NOT_FOUND", "no job " + request.getJobId()));
        return;
      }
      response.onNext(result);
      response.onCompleted();
    }

    @Override
    public void cancelJob(CancelJobRequest request, StreamObserver<CancelJobResponse> response) {
      Boolean answer = cancellable.get(request.getJobId());
      if (answer == null) {
        response.onError(failure(Code.NOT_FOUND, "JOB_NOT_FOUND", "no job " + request.getJobId()));
        return;
      }
      response.onNext(CancelJobResponse.newBuilder().setSuccess(answer).build());
      response.onCompleted();
    }
  }

  private final class Ledger extends LedgerServiceGrpc.LedgerServiceImplBase {
    @Override
    public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> response) {
      accountRequests.add(request.getDid());
      Account account =
          Account.newBuilder()
              .setDid(request.getDid())
              .setBalance(1_000)
              .setHeld(200)
              .setAvailable(800)
              .build();
      response.onNext(
          GetAccountResponse.newBuilder()
              .setAccount(account)
              .addAllPendingHolds(pendingHolds)
              .setRegeneration(regeneration)
              .build());
      response.onCompleted();
    }

    @Override
    public void listHistory(
        ListHistoryRequest request, StreamObserver<ListHistoryResponse> response) {
      historyRequests.add(request);
      List<HistoryEntry> matching = new ArrayList<>();
      for (HistoryEntry entry : history) {
        if (request.getJobId().isEmpty() || entry.getJobId().equals(request.getJobId())) {
          matching.add(entry);
        }
      }
      int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
      // The fake serves small pages so the SDK's paging is exercised with a few entries.
      int size = Math.min(Math.min(request.getPageSize(), 2), matching.size() - from);
      ListHistoryResponse.Builder page =
          ListHistoryResponse.newBuilder().addAllEntries(matching.subList(from, from + size));
      if (from + size < matching.size()) {
        page.setNextPageToken(Integer.toString(from + size));
      }
      response.onNext(page.build());
      response.onCompleted();
    }
  }
}
