package io.meshwork.receiptlog.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.v1.AnchorJobStatementRequest;
import io.meshwork.receipt.v1.AnchorJobStatementResponse;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.AnchorReceiptsResponse;
import io.meshwork.receipt.v1.AnchoredReceipt;
import io.meshwork.receipt.v1.GetCheckpointRequest;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.GetConsistencyProofRequest;
import io.meshwork.receipt.v1.GetConsistencyProofResponse;
import io.meshwork.receipt.v1.GetInclusionProofRequest;
import io.meshwork.receipt.v1.GetInclusionProofResponse;
import io.meshwork.receipt.v1.GetLeavesRequest;
import io.meshwork.receipt.v1.GetLeavesResponse;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.GetReceiptResponse;
import io.meshwork.receipt.v1.ListReceiptsByJobRequest;
import io.meshwork.receipt.v1.ListReceiptsByJobResponse;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receipt.v1.SyncMembersRequest;
import io.meshwork.receipt.v1.SyncMembersResponse;
import io.meshwork.receiptlog.core.ConsistencyProof;
import io.meshwork.receiptlog.core.InclusionProof;
import io.meshwork.receiptlog.core.ReceiptLog;
import io.meshwork.receiptlog.core.ReceiptPage;
import io.meshwork.receiptlog.core.SignedCheckpoint;
import io.meshwork.receiptlog.core.StoredReceipt;
import io.meshwork.receiptlog.store.MemberPeriod;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.grpc.Rpc;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves the receipt log as {@code meshwork.receipt.v1.ReceiptService}: checks the shape of each
 * request, calls {@link ReceiptLog} and converts the answer.
 *
 * <p>Who may call is {@link ReceiptAccess#TABLE}, checked before a handler runs: anchoring is for
 * the orchestrators the log works for, and only receipts of member executors are taken (those in
 * {@code auth.executors}, or vouched for by the anchoring orchestrator through {@code
 * SyncMembers}); reading and proving are public, since proofs are meant for third parties. Handlers
 * run on gRPC's executor and may block while the appender commits; that is what makes the answer
 * durable.
 */
public final class ReceiptGrpcService extends ReceiptServiceGrpc.ReceiptServiceImplBase {
  /** Receipts per AnchorReceipts call at most. */
  public static final int MAX_RECEIPTS_PER_CALL = 1000;

  /** Largest encoded receipt accepted; real receipts are well under 1 KiB. */
  public static final int MAX_RECEIPT_BYTES = 16 * 1024;

  /** Largest job statement accepted (its leaf bytes); about 40,000 receipts' CIDs. */
  public static final int MAX_STATEMENT_BYTES = 3 << 20;

  private static final int MAX_CID_LENGTH = 128;
  private static final int MAX_JOB_ID_LENGTH = 256;
  private static final int MAX_PAGE_TOKEN_LENGTH = 128;
  private static final int MAX_PAGE_SIZE = 1000;
  private static final int DEFAULT_PAGE_SIZE = 100;
  private static final int MAX_LEAVES_PER_PAGE = 1000;

  private final ReceiptLog log;

  /** Serves {@code log}. */
  public ReceiptGrpcService(ReceiptLog log) {
    this.log = log;
  }

  @Override
  public void anchorReceipts(
      AnchorReceiptsRequest request, StreamObserver<AnchorReceiptsResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          List<ExecutionReceipt> receipts = request.getReceiptsList();
          if (receipts.isEmpty() || receipts.size() > MAX_RECEIPTS_PER_CALL) {
            throw invalidField(
                "receipts",
                "receipts must hold 1 to " + MAX_RECEIPTS_PER_CALL + ", got " + receipts.size());
          }
          for (int i = 0; i < receipts.size(); i++) {
            int size = receipts.get(i).getSerializedSize();
            if (size > MAX_RECEIPT_BYTES) {
              throw invalidField(
                  "receipts[" + i + "]",
                  "receipts[" + i + "] has " + size + " bytes, more than " + MAX_RECEIPT_BYTES);
            }
          }
          // The anchoring orchestrator is the one whose member list vouches for the executors.
          String orchestrator = Caller.current().did();
          return AnchorReceiptsResponse.newBuilder()
              .addAllAnchored(log.anchor(orchestrator, receipts))
              .build();
        });
  }

  @Override
  public void syncMembers(
      SyncMembersRequest request, StreamObserver<SyncMembersResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          List<MemberPeriod> members = new ArrayList<>(request.getMembersCount());
          for (io.meshwork.receipt.v1.MemberPeriod m : request.getMembersList()) {
            // uint64 arrives as a long; ExecutorMembership refuses values beyond 2^63 - 1.
            members.add(new MemberPeriod(m.getExecutorDid(), m.getAdmittedAt(), m.getLeftAt()));
          }
          long held = log.membership().sync(Caller.current().did(), request.getVersion(), members);
          return SyncMembersResponse.newBuilder().setVersion(held).build();
        });
  }

  @Override
  public void anchorJobStatement(
      AnchorJobStatementRequest request, StreamObserver<AnchorJobStatementResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          int size = request.getStatement().size();
          if (size == 0 || size > MAX_STATEMENT_BYTES) {
            throw invalidField(
                "statement",
                "statement must hold 1 to " + MAX_STATEMENT_BYTES + " bytes, got " + size);
          }
          InclusionProof p =
              log.anchorStatement(Caller.current().did(), request.getStatement().toByteArray());
          return AnchorJobStatementResponse.newBuilder()
              .setCid(p.cid())
              .setLogIndex(p.index())
              .setTreeSize(p.treeSize())
              .addAllInclusionPath(p.path().stream().map(ByteString::copyFrom).toList())
              .setCheckpoint(p.checkpoint().note())
              .setProofBundle(p.bundle())
              .build();
        });
  }

  @Override
  public void getReceipt(GetReceiptRequest request, StreamObserver<GetReceiptResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          StoredReceipt r = log.getReceipt(requireCid(request.getCid()));
          return GetReceiptResponse.newBuilder()
              .setReceipt(r.receipt())
              .setLogIndex(r.index())
              .setLeaf(ByteString.copyFrom(r.leaf()))
              .build();
        });
  }

  @Override
  public void getCheckpoint(
      GetCheckpointRequest request, StreamObserver<GetCheckpointResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          SignedCheckpoint c = log.latestCheckpoint();
          return GetCheckpointResponse.newBuilder()
              .setOrigin(c.origin())
              .setTreeSize(c.treeSize())
              .setRootHash(ByteString.copyFrom(c.rootHash()))
              .setSignedNote(c.note())
              .setVerifierKey(log.verifierKey())
              .build();
        });
  }

  @Override
  public void getInclusionProof(
      GetInclusionProofRequest request, StreamObserver<GetInclusionProofResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          InclusionProof p =
              log.inclusionProof(requireCid(request.getCid()), request.getTreeSize());
          return GetInclusionProofResponse.newBuilder()
              .setLogIndex(p.index())
              .setTreeSize(p.treeSize())
              .addAllInclusionPath(p.path().stream().map(ByteString::copyFrom).toList())
              .setCheckpoint(p.checkpoint().note())
              .setProofBundle(p.bundle())
              .build();
        });
  }

  @Override
  public void getConsistencyProof(
      GetConsistencyProofRequest request, StreamObserver<GetConsistencyProofResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          if (request.getFromSize() < 1) {
            throw invalidField("from_size", "from_size must be at least 1");
          }
          ConsistencyProof p = log.consistencyProof(request.getFromSize(), request.getToSize());
          return GetConsistencyProofResponse.newBuilder()
              .setFromSize(p.fromSize())
              .setToSize(p.toSize())
              .addAllPath(p.path().stream().map(ByteString::copyFrom).toList())
              .build();
        });
  }

  @Override
  public void listReceiptsByJob(
      ListReceiptsByJobRequest request, StreamObserver<ListReceiptsByJobResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          String jobId = request.getJobId();
          if (jobId.isEmpty() || jobId.length() > MAX_JOB_ID_LENGTH) {
            throw invalidField(
                "job_id", "job_id must hold 1 to " + MAX_JOB_ID_LENGTH + " characters");
          }
          int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
          if (request.getPageSize() < 0 || pageSize > MAX_PAGE_SIZE) {
            throw invalidField(
                "page_size", "page_size must be 0 (default " + DEFAULT_PAGE_SIZE + ") to 1000");
          }
          if (request.getPageToken().length() > MAX_PAGE_TOKEN_LENGTH) {
            throw invalidField("page_token", "page_token was not issued by ListReceiptsByJob");
          }
          ReceiptPage page = log.listByJob(jobId, pageSize, request.getPageToken());
          ListReceiptsByJobResponse.Builder out =
              ListReceiptsByJobResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (StoredReceipt r : page.receipts()) {
            out.addReceipts(
                AnchoredReceipt.newBuilder()
                    .setCid(r.cid())
                    .setLogIndex(r.index())
                    .setReceipt(r.receipt()));
          }
          return out.build();
        });
  }

  @Override
  public void getLeaves(GetLeavesRequest request, StreamObserver<GetLeavesResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          int count = request.getCount() == 0 ? MAX_LEAVES_PER_PAGE : request.getCount();
          if (request.getCount() < 0 || count > MAX_LEAVES_PER_PAGE) {
            throw invalidField(
                "count", "count must be 0 (default " + MAX_LEAVES_PER_PAGE + ") to 1000");
          }
          if (request.getStartIndex() < 0) {
            throw invalidField("start_index", "start_index is beyond the log");
          }
          long treeSize = log.treeSize();
          GetLeavesResponse.Builder out = GetLeavesResponse.newBuilder().setTreeSize(treeSize);
          for (byte[] leaf : log.leaves(request.getStartIndex(), count, treeSize)) {
            out.addLeaves(ByteString.copyFrom(leaf));
          }
          return out.build();
        });
  }

  private static String requireCid(String cid) {
    if (cid.isEmpty() || cid.length() > MAX_CID_LENGTH) {
      throw invalidField("cid", "cid must be a CIDv1 of 1 to " + MAX_CID_LENGTH + " characters");
    }
    return cid;
  }

  private static MeshException invalidField(String field, String message) {
    return MeshException.invalidArgument("INVALID_FIELD", message).with("field", field);
  }
}
