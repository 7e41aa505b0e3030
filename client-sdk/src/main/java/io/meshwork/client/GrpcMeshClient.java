package io.meshwork.client;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.compute.v1.CancelJobRequest;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetJobResultRequest;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.compute.v1.GetJobStatusRequest;
import io.meshwork.compute.v1.SubmitJobRequest;
import io.meshwork.compute.v1.SubmitJobResponse;
import io.meshwork.compute.v1.WatchJobRequest;
import io.meshwork.compute.v1.WatchJobResponse;
import io.meshwork.content.Cid;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.GetAccountResponse;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.ListHistoryRequest;
import io.meshwork.ledger.v1.ListHistoryResponse;
import io.meshwork.receipt.v1.GetCheckpointRequest;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.GetInclusionProofRequest;
import io.meshwork.receipt.v1.GetInclusionProofResponse;
import io.meshwork.receipt.v1.GetLeavesRequest;
import io.meshwork.receipt.v1.GetLeavesResponse;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.GetReceiptResponse;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/** The {@link MeshClient} over grpc-java blocking stubs. */
final class GrpcMeshClient implements MeshClient {
  /** The ledger's largest history page. */
  private static final int MAX_HISTORY_PAGE = 1000;

  /** The contract's timeout_ms is a uint32; beyond about 24 days the wait is capped. */
  private static final long MAX_WAIT_MILLIS = Integer.MAX_VALUE;

  private final ComputeServiceGrpc.ComputeServiceBlockingStub compute;
  private final LedgerServiceGrpc.LedgerServiceBlockingStub ledger;
  private final ReceiptServiceGrpc.ReceiptServiceBlockingStub receipts;
  private final String receiptAuthority;
  private final MeshClientOptions options;
  private final List<ManagedChannel> ownedChannels;
  private final String computeAuthority;
  private final String ledgerAuthority;
  private final BlobUploader uploader;
  private final ResultDownloader downloader;
  private final Membership membership;

  GrpcMeshClient(
      Channel computeChannel,
      Channel ledgerChannel,
      Channel receiptChannel,
      MeshClientOptions options,
      List<ManagedChannel> ownedChannels) {
    this.options = Objects.requireNonNull(options, "options");
    BearerCredentials credentials = new BearerCredentials(options.identity());
    int max = options.maxMessageBytes();
    this.compute =
        ComputeServiceGrpc.newBlockingStub(Objects.requireNonNull(computeChannel, "compute"))
            .withCallCredentials(credentials)
            .withMaxInboundMessageSize(max)
            .withMaxOutboundMessageSize(max);
    this.ledger =
        LedgerServiceGrpc.newBlockingStub(Objects.requireNonNull(ledgerChannel, "ledger"))
            .withCallCredentials(credentials)
            .withMaxInboundMessageSize(max)
            .withMaxOutboundMessageSize(max);
    // Absent when the caller handed over only compute and ledger channels; receipt calls then fail.
    this.receipts =
        receiptChannel == null
            ? null
            : ReceiptServiceGrpc.newBlockingStub(receiptChannel)
                .withCallCredentials(credentials)
                .withMaxInboundMessageSize(max)
                .withMaxOutboundMessageSize(max);
    this.receiptAuthority = receiptChannel == null ? "" : receiptChannel.authority();
    // The orchestrator serves the blob service on its own port, so blobs share its channel.
    this.uploader =
        new BlobUploader(
            BlobServiceGrpc.newBlockingStub(computeChannel)
                .withCallCredentials(credentials)
                .withMaxInboundMessageSize(max)
                .withMaxOutboundMessageSize(max),
            BlobServiceGrpc.newStub(computeChannel)
                .withCallCredentials(credentials)
                .withMaxInboundMessageSize(max)
                .withMaxOutboundMessageSize(max),
            options,
            computeChannel.authority());
    this.downloader =
        new ResultDownloader(
            BlobServiceGrpc.newBlockingStub(computeChannel)
                .withCallCredentials(credentials)
                .withMaxInboundMessageSize(max)
                .withMaxOutboundMessageSize(max),
            options);
    // The orchestrator serves the membership service on its own port too.
    this.membership = new Membership(computeChannel, credentials, options);
    this.ownedChannels = List.copyOf(ownedChannels);
    this.computeAuthority = computeChannel.authority();
    this.ledgerAuthority = ledgerChannel.authority();
  }

  static GrpcMeshClient connect(MeshClientOptions options) {
    SslContext tls = options.plaintext() ? null : tlsContext(options);
    ManagedChannel compute = open(options.orchestratorTarget(), options, tls);
    ManagedChannel ledger = open(options.ledgerTarget(), options, tls);
    ManagedChannel receipts = open(options.receiptTarget(), options, tls);
    return new GrpcMeshClient(
        compute, ledger, receipts, options, List.of(compute, ledger, receipts));
  }

  /**
   * The client's TLS: the server must prove a certificate from the options' CA (or from a CA the
   * JDK trusts when none is named) valid for the target's host name. The client presents no
   * certificate: a user is known by its bearer token.
   */
  private static SslContext tlsContext(MeshClientOptions options) {
    try {
      SslContextBuilder builder = GrpcSslContexts.forClient();
      if (options.caCertificate().isPresent()) {
        builder.trustManager(options.caCertificate().get().toFile());
      }
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot use the CA certificate "
              + options.caCertificate().map(Object::toString).orElse("")
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static ManagedChannel open(String target, MeshClientOptions options, SslContext tls) {
    NettyChannelBuilder builder =
        NettyChannelBuilder.forTarget(target).maxInboundMessageSize(options.maxMessageBytes());
    if (tls == null) {
      builder.usePlaintext();
    } else {
      builder.sslContext(tls);
    }
    return builder.build();
  }

  @Override
  public String did() {
    return options.identity().did();
  }

  @Override
  public String submit(JobRequest job) {
    Objects.requireNonNull(job, "job");
    SubmitJobRequest request = SubmitJobRequest.newBuilder().setManifest(job.toManifest()).build();
    // Checked here rather than left to gRPC: a message over the stub's outbound limit makes
    // grpc-java throw inside its own executor (grpc/grpc-java#12109), which logs a stack trace
    // and leaves the blocking call waiting forever, past its deadline.
    int size = request.getSerializedSize();
    if (size > options.maxMessageBytes()) {
      throw new MeshClientException(
          io.grpc.Status.Code.RESOURCE_EXHAUSTED,
          MeshClientException.MESSAGE_TOO_LARGE,
          tooLarge(job, size, "the client's limit of " + options.maxMessageBytes() + " bytes"));
    }
    SubmitJobResponse response;
    try {
      response = callOrchestrator(() -> computeWithDeadline(Duration.ZERO).submitJob(request));
    } catch (MeshClientException e) {
      // The server refuses a message over its limit with a bare status, no reason.
      if (e.code() == io.grpc.Status.Code.RESOURCE_EXHAUSTED && e.reason().isEmpty()) {
        throw new MeshClientException(
            e.code(),
            MeshClientException.MESSAGE_TOO_LARGE,
            tooLarge(job, size, "what the orchestrator accepts (" + e.getMessage() + ")"),
            e);
      }
      throw e;
    }
    if (!response.getSuccess()) {
      throw new MeshClientException(
          io.grpc.Status.Code.FAILED_PRECONDITION,
          MeshClientException.JOB_NOT_ACCEPTED,
          response.getErrorMsg().isEmpty() ? "the job was not accepted" : response.getErrorMsg());
    }
    return response.getJobId();
  }

  private static String tooLarge(JobRequest job, int size, String limit) {
    return "the job is "
        + size
        + " bytes (module "
        + job.wasmModule().size()
        + ", inline input "
        + job.input().size()
        + "), more than "
        + limit
        + "; send the input as a blob (MeshClient.upload, then JobRequest.inputCid)";
  }

  @Override
  public Blob upload(Path file, UploadProgress progress) {
    return uploader.upload(
        Objects.requireNonNull(file, "file"),
        Optional.empty(),
        Objects.requireNonNull(progress, "progress"));
  }

  @Override
  public Blob upload(Path file, String expectedCid, UploadProgress progress) {
    return uploader.upload(
        Objects.requireNonNull(file, "file"),
        Optional.of(JobRequest.requireCid(expectedCid, "an expected CID")),
        Objects.requireNonNull(progress, "progress"));
  }

  @Override
  public ComputeJobStatus status(String jobId) {
    GetJobStatusRequest request = GetJobStatusRequest.newBuilder().setJobId(check(jobId)).build();
    return callOrchestrator(() -> computeWithDeadline(Duration.ZERO).getJobStatus(request))
        .getStatus();
  }

  @Override
  public JobWatch watch(String jobId) {
    WatchJobRequest request = WatchJobRequest.newBuilder().setJobId(check(jobId)).build();
    // The call belongs to its own cancellable context, so closing the watch ends the stream
    // even when the caller stops reading halfway.
    Context.CancellableContext context = Context.current().withCancellation();
    try {
      Iterator<WatchJobResponse> updates = context.call(() -> compute.watchJob(request));
      return new JobWatch(context, updates);
    } catch (StatusRuntimeException e) {
      context.cancel(e);
      throw MeshClientException.fromGrpc(e);
    } catch (Exception e) {
      context.cancel(e);
      throw new IllegalStateException("cannot start watching job " + jobId, e);
    }
  }

  @Override
  public JobResult result(String jobId, Duration wait) {
    Objects.requireNonNull(wait, "wait");
    if (wait.isNegative()) {
      throw new IllegalArgumentException("the wait must not be negative, got " + wait);
    }
    long waitMillis = Math.min(wait.toMillis(), MAX_WAIT_MILLIS);
    GetJobResultRequest request =
        GetJobResultRequest.newBuilder()
            .setJobId(check(jobId))
            .setTimeoutMs((int) waitMillis)
            .build();
    GetJobResultResponse response =
        callOrchestrator(
            () -> computeWithDeadline(Duration.ofMillis(waitMillis)).getJobResult(request));
    byte[] bytes = response.getResult().toByteArray();
    String cid = response.getResultCid();
    // The orchestrator is one node of the mesh; the bytes are checked against their own name
    // rather than trusted (a stored result's as they are read).
    if (!cid.isEmpty() && !response.getResultStored() && !Cid.matches(cid, bytes)) {
      throw new MeshClientException(
          io.grpc.Status.Code.DATA_LOSS,
          MeshClientException.RESULT_CID_MISMATCH,
          "the result of job "
              + jobId
              + " does not match its CID "
              + cid
              + " (the bytes hash to "
              + Cid.of(bytes)
              + ")");
    }
    checkChunkProofs(jobId, response);
    return new JobResult(
        jobId,
        response.getResult(),
        response.getSuccess(),
        response.getErrorMsg(),
        response.getReceiptsList(),
        cid,
        response.getStatus(),
        response.getMerkleRoot(),
        response.getChunkProofsList(),
        response.getResultStored() ? response.getResultSize() : bytes.length,
        response.getResultStored(),
        response.hasJobStatement() ? response.getJobStatement() : null);
  }

  @Override
  public void readResult(JobResult result, OutputStream out, DownloadProgress progress) {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(progress, "progress");
    if (!result.success()) {
      throw new MeshClientException(
          io.grpc.Status.Code.FAILED_PRECONDITION,
          MeshClientException.NO_RESULT,
          "job " + result.jobId() + " has no result: " + result.error());
    }
    if (result.inline()) {
      try {
        out.write(result.bytes());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the result: " + e.getMessage(), e);
      }
      progress.bytesReceived(result.size(), result.size());
      return;
    }
    downloader.download(
        result.jobId(), result.resultCid().orElseThrow(), result.resultSize(), out, progress);
  }

  /** With merkle verification, every chunk result must lead to the root through its proof. */
  private static void checkChunkProofs(String jobId, GetJobResultResponse response) {
    if (response.getMerkleRoot().isEmpty()) {
      return;
    }
    byte[] root;
    try {
      root = java.util.HexFormat.of().parseHex(response.getMerkleRoot());
    } catch (IllegalArgumentException e) {
      throw new MeshClientException(
          io.grpc.Status.Code.DATA_LOSS,
          MeshClientException.CHUNK_PROOF_MISMATCH,
          "the Merkle root of job " + jobId + " is not hex: " + response.getMerkleRoot());
    }
    for (io.meshwork.compute.v1.ChunkProof p : response.getChunkProofsList()) {
      byte[] chunk = p.getResult().toByteArray();
      try {
        if (!Cid.matches(p.getResultCid(), chunk)) {
          throw new io.meshwork.content.ProofException("the chunk bytes do not match its CID");
        }
        // Leaves are the chunk results' CIDs (docs/RECEIPTS.md, "Job statements").
        io.meshwork.content.ResultTree.verifyInclusion(
            p.getResultCid(),
            p.getChunkIndex(),
            p.getTreeSize(),
            p.getInclusionPathList().stream()
                .map(com.google.protobuf.ByteString::toByteArray)
                .toList(),
            root);
      } catch (io.meshwork.content.ProofException e) {
        throw new MeshClientException(
            io.grpc.Status.Code.DATA_LOSS,
            MeshClientException.CHUNK_PROOF_MISMATCH,
            "chunk "
                + p.getChunkIndex()
                + " of job "
                + jobId
                + " does not prove into the Merkle root: "
                + e.getMessage());
      }
    }
  }

  @Override
  public List<io.meshwork.compute.v1.TaskPlacement> placements(String jobId) {
    GetJobStatusRequest request =
        GetJobStatusRequest.newBuilder().setJobId(check(jobId)).setExplain(true).build();
    return callOrchestrator(() -> computeWithDeadline(Duration.ZERO).getJobStatus(request))
        .getPlacementsList();
  }

  @Override
  public boolean cancel(String jobId) {
    CancelJobRequest request = CancelJobRequest.newBuilder().setJobId(check(jobId)).build();
    return callOrchestrator(() -> computeWithDeadline(Duration.ZERO).cancelJob(request))
        .getSuccess();
  }

  @Override
  public Balance balance() {
    GetAccountRequest request = GetAccountRequest.newBuilder().setDid(did()).build();
    GetAccountResponse response = callLedger(() -> ledgerWithDeadline().getAccount(request));
    return new Balance(
        response.getAccount(), response.getPendingHoldsList(), response.getRegeneration());
  }

  @Override
  public List<HistoryEntry> history(Optional<String> jobId, int limit) {
    Objects.requireNonNull(jobId, "jobId");
    if (limit < 1) {
      throw new IllegalArgumentException("the history limit must be at least 1, got " + limit);
    }
    List<HistoryEntry> entries = new ArrayList<>();
    String pageToken = "";
    do {
      ListHistoryRequest request =
          ListHistoryRequest.newBuilder()
              .setDid(did())
              .setJobId(jobId.orElse(""))
              .setPageSize(Math.min(limit - entries.size(), MAX_HISTORY_PAGE))
              .setPageToken(pageToken)
              .build();
      ListHistoryResponse page = callLedger(() -> ledgerWithDeadline().listHistory(request));
      for (HistoryEntry entry : page.getEntriesList()) {
        if (entries.size() == limit) {
          break;
        }
        entries.add(entry);
      }
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty() && entries.size() < limit);
    return List.copyOf(entries);
  }

  @Override
  public GetReceiptResponse receipt(String cid) {
    GetReceiptRequest request = GetReceiptRequest.newBuilder().setCid(checkCid(cid)).build();
    return callReceipts(() -> receiptsWithDeadline().getReceipt(request));
  }

  @Override
  public GetInclusionProofResponse inclusionProof(String cid) {
    GetInclusionProofRequest request =
        GetInclusionProofRequest.newBuilder().setCid(checkCid(cid)).build();
    return callReceipts(() -> receiptsWithDeadline().getInclusionProof(request));
  }

  @Override
  public GetCheckpointResponse checkpoint() {
    return callReceipts(
        () -> receiptsWithDeadline().getCheckpoint(GetCheckpointRequest.getDefaultInstance()));
  }

  @Override
  public GetLeavesResponse leaves(long startIndex, int count) {
    if (startIndex < 0 || count < 1 || count > 1000) {
      throw new IllegalArgumentException(
          "leaves need a start index >= 0 and a count of 1 to 1000, got "
              + startIndex
              + " and "
              + count);
    }
    GetLeavesRequest request =
        GetLeavesRequest.newBuilder().setStartIndex(startIndex).setCount(count).build();
    return callReceipts(() -> receiptsWithDeadline().getLeaves(request));
  }

  @Override
  public List<ExecutorMember> members(boolean includeLeft) {
    return membership.members(includeLeft);
  }

  @Override
  public JoinToken createJoinToken(Duration validFor, int uses, String description) {
    return membership.createJoinToken(validFor, uses, description);
  }

  @Override
  public ExecutorMember.State drain(String executorDid) {
    return membership.drain(executorDid);
  }

  private ReceiptServiceGrpc.ReceiptServiceBlockingStub receiptsWithDeadline() {
    if (receipts == null) {
      throw new IllegalStateException(
          "this client was made without a receipt log channel; use MeshClient.over with four"
              + " arguments");
    }
    return receipts.withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> T callReceipts(Supplier<T> rpc) {
    return call("receipt log", receiptAuthority, rpc);
  }

  private static String checkCid(String cid) {
    if (cid == null || cid.isBlank()) {
      throw new IllegalArgumentException("a receipt CID must not be empty");
    }
    return cid.strip();
  }

  @Override
  public void close() {
    for (ManagedChannel channel : ownedChannels) {
      channel.shutdown();
    }
    for (ManagedChannel channel : ownedChannels) {
      try {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  private ComputeServiceGrpc.ComputeServiceBlockingStub computeWithDeadline(Duration extra) {
    // A fresh deadline per call: a stub's deadline is absolute, so it cannot be set once.
    return compute.withDeadlineAfter(
        options.callDeadline().plus(extra).toMillis(), TimeUnit.MILLISECONDS);
  }

  private LedgerServiceGrpc.LedgerServiceBlockingStub ledgerWithDeadline() {
    return ledger.withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> T callOrchestrator(Supplier<T> rpc) {
    return call("orchestrator", computeAuthority, rpc);
  }

  private <T> T callLedger(Supplier<T> rpc) {
    return call("ledger", ledgerAuthority, rpc);
  }

  private static <T> T call(String service, String authority, Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw failure(service, authority, e);
    }
  }

  /**
   * The SDK's form of a failed call to {@code service} at {@code authority}: a connection that
   * could not be made says which target and, for a refused TLS handshake, which CA to trust.
   */
  static MeshClientException failure(String service, String authority, StatusRuntimeException e) {
    io.grpc.Status status = e.getStatus();
    // A cause means the failure happened on this side (no connection, for instance); the
    // message then says which of the targets could not be reached.
    if (status.getCode() == io.grpc.Status.Code.UNAVAILABLE && status.getCause() != null) {
      String description = "cannot reach the " + service + " at " + authority;
      Throwable tls = tlsFailure(status.getCause());
      if (tls != null) {
        description +=
            " over TLS (trust the mesh's CA with --cacert FILE; a development mesh's is"
                + " DATA-DIR/tls/ca.pem): "
                + tls.getMessage();
      }
      return MeshClientException.fromGrpc(
          io.grpc.Status.UNAVAILABLE
              .withDescription(description)
              .withCause(status.getCause())
              .asRuntimeException());
    }
    return MeshClientException.fromGrpc(e);
  }

  /**
   * The innermost TLS exception behind a failed connection, which says what the handshake refused;
   * null when the connection failed on the network rather than in the handshake.
   */
  private static Throwable tlsFailure(Throwable cause) {
    Throwable found = null;
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException || (found != null && t.getMessage() != null)) {
        found = t;
      }
    }
    return found;
  }

  private static String check(String jobId) {
    if (jobId == null || jobId.isBlank()) {
      throw new IllegalArgumentException("a job id must not be empty");
    }
    return jobId;
  }
}
