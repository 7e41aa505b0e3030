package io.meshwork.orchestrator.wire;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.BidVerdict;
import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.DelegationNode;
import io.meshwork.compute.v1.ExecutorRefusal;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.JobErrorKind;
import io.meshwork.mesh.v1.JobErrorV1;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskResult;
import io.meshwork.orchestrator.tasks.TreeNode;
import io.meshwork.orchestrator.tasks.TreeRoute;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.ReceiptException;
import io.meshwork.receipt.format.ReceiptVerifier;
import io.meshwork.runtime.errors.MeshException;
import java.util.ArrayList;
import java.util.List;

/** Tasks, their results and receipts, their limits and placements, between proto and domain. */
public final class TaskMessages {
  // Executors sign result after result: each one's key is validated once, not per receipt.
  private static final ReceiptVerifier RECEIPTS = ReceiptVerifier.rememberingKeys(10_000);

  private TaskMessages() {}

  /** Limits from the wire. */
  public static Limits limits(ResourceLimits l) {
    return new Limits(
        l.getFuel(),
        l.getMemoryBytes(),
        l.getWallTimeMs(),
        l.getStackBytes(),
        l.getMaxOutputBytes());
  }

  /** Limits for the wire. */
  public static ResourceLimits limits(Limits l) {
    return ResourceLimits.newBuilder()
        .setFuel(l.fuel())
        .setMemoryBytes(l.memoryBytes())
        .setWallTimeMs(l.wallTimeMs())
        .setStackBytes(l.stackBytes())
        .setMaxOutputBytes(l.maxOutputBytes())
        .build();
  }

  /**
   * A result from the wire, its receipts' signatures checked on the way: a receipt that does not
   * verify is named in {@link TaskResult#receiptProblem}, for the result check to refuse.
   */
  public static TaskResult result(ComputeTaskResult r) {
    List<Receipt> receipts = new ArrayList<>(r.getReceiptsCount());
    String problem = null;
    for (ExecutionReceipt er : r.getReceiptsList()) {
      byte[] leaf = null;
      try {
        leaf = RECEIPTS.verifiedLeaf(er);
      } catch (ReceiptException e) {
        if (problem == null) {
          problem = "the receipt does not verify (" + e.check() + "): " + e.getMessage();
        }
      }
      receipts.add(receipt(er, leaf));
    }
    return new TaskResult(
        r.getTaskId(),
        r.getAssignmentId(),
        r.getStatus(),
        r.getResultData().toByteArray(),
        r.getResultHash(),
        r.getWorkerId(),
        receipts,
        problem,
        // The kind without its enum prefix, e.g. FUEL_EXHAUSTED, so people and scripts can match
        // it.
        r.hasError() ? r.getError().getKind().name().replaceFirst("^JOB_ERROR_KIND_", "") : null,
        r.hasError() ? r.getError().getMessage() : "",
        r.getFuelUsed(),
        r.getPrice(),
        r.getExecutionTimeMs(),
        r.getWorkerSignature().toByteArray(),
        r.getSubtreeList().stream().map(TaskMessages::treeNode).toList());
  }

  /** A delegation tree node from the wire. */
  public static TreeNode treeNode(DelegationNode n) {
    return new TreeNode(
        n.getTaskId(),
        n.getParentTaskId(),
        n.getOrchestratorDid(),
        n.getOffset(),
        n.getLength(),
        n.getKind(),
        n.getWorker(),
        n.getState(),
        n.getPrice(),
        n.getResultCid());
  }

  /** A delegation tree node for the wire. */
  public static DelegationNode treeNode(TreeNode n) {
    return DelegationNode.newBuilder()
        .setTaskId(n.taskId())
        .setParentTaskId(n.parentTaskId())
        .setOrchestratorDid(n.orchestratorDid())
        .setOffset(n.offset())
        .setLength(n.length())
        .setKind(n.kind())
        .setWorker(n.worker())
        .setState(n.state())
        .setPrice(n.price())
        .setResultCid(n.resultCid())
        .build();
  }

  /** A result for the wire: what this orchestrator returns for a task delegated to it. */
  public static ComputeTaskResult result(TaskResult r) {
    ComputeTaskResult.Builder b =
        ComputeTaskResult.newBuilder()
            .setTaskId(r.taskId())
            .setAssignmentId(r.assignmentId())
            .setStatus(r.status())
            .setResultData(ByteString.copyFrom(r.data()))
            .setResultHash(r.resultHash())
            .setWorkerId(r.workerId())
            .setFuelUsed(r.fuelUsed())
            .setPrice(r.price())
            .setExecutionTimeMs(r.executionTimeMs())
            .setWorkerSignature(ByteString.copyFrom(r.workerSignature()));
    for (Receipt receipt : r.receipts()) {
      b.addReceipts(receipt(receipt));
    }
    r.subtree().forEach(n -> b.addSubtree(treeNode(n)));
    if (r.errorKind() != null) {
      b.setError(
          JobErrorV1.newBuilder()
              .setJobId(r.taskId())
              .setExecutorDid(r.workerId())
              .setKind(errorKind(r.errorKind()))
              .setMessage(r.errorMessage())
              .setTimestamp(System.currentTimeMillis()));
    }
    return b.build();
  }

  private static JobErrorKind errorKind(String kind) {
    try {
      return JobErrorKind.valueOf("JOB_ERROR_KIND_" + kind);
    } catch (IllegalArgumentException e) {
      return JobErrorKind.JOB_ERROR_KIND_INTERNAL;
    }
  }

  /**
   * A receipt as the domain reads it, with its verified log entry (null when it did not verify).
   */
  static Receipt receipt(ExecutionReceipt r, byte[] leaf) {
    return new Receipt(
        r.getTaskId(),
        r.getJobId(),
        r.getExecutorDid(),
        r.getAssignmentId(),
        r.getModuleCid(),
        r.getInputCid(),
        r.getOutputCid(),
        r.getExportName(),
        r.getFuelUsed(),
        leaf);
  }

  /** A receipt as the domain reads it, decoded from its log entry (as a journal keeps it). */
  public static Receipt receipt(byte[] leaf) {
    return receipt(ReceiptCodec.fromLeafBytes(leaf), leaf);
  }

  /** The signed receipt again, decoded from its log entry. */
  public static ExecutionReceipt receipt(Receipt r) {
    return ReceiptCodec.fromLeafBytes(r.leaf());
  }

  /** A task packet for the wire. */
  public static ComputeTaskPacket packet(TaskPacket p) {
    ComputeTaskPacket.Builder b =
        ComputeTaskPacket.newBuilder()
            .setTaskId(p.taskId())
            .setParentJobId(p.jobId())
            .setChunkIndex(p.chunkIndex())
            .setWasmModuleHash(p.moduleCid())
            .setDelegationDepth(p.delegationDepth())
            .setTimeoutMs(p.timeoutMs())
            .setLimits(limits(p.limits()))
            .setMaxPrice(p.maxPrice())
            .setVerificationMode(p.verification().wireName())
            .setExportName(p.exportName())
            .setRedundancy(p.redundancy())
            .addAllDelegationPath(p.route().path())
            .setSplitStrategy(p.route().splitStrategy())
            .setMinChunkSize(p.route().minChunkSize())
            .setMaxChunkSize(p.route().maxChunkSize())
            .setOperationWeight(p.route().operationWeight());
    Chunk chunk = p.chunk();
    if (chunk.inline()) {
      b.setChunkData(ByteString.copyFrom(chunk.bytes()));
    } else {
      ChunkReference.Builder ref =
          ChunkReference.newBuilder()
              .setBlobCid(chunk.blobCid())
              .setOffset(chunk.offset())
              .setLength(chunk.rangeLength())
              .setChunkCid(chunk.cid())
              .setPrefix(ByteString.copyFrom(chunk.prefix()));
      if (p.chunkUrl() != null) {
        ref.setUrl(p.chunkUrl().url().toString())
            .setUrlExpiresAt(p.chunkUrl().expiresAt().toEpochMilli());
      }
      b.setChunkRef(ref);
    }
    if (p.module() != null) {
      b.setWasmModule(ByteString.copyFrom(p.module()));
    }
    return b.build();
  }

  /**
   * A task packet from the wire.
   *
   * @throws io.meshwork.runtime.errors.MeshException INVALID_ARGUMENT for an unknown verification
   *     mode
   */
  public static TaskPacket packet(ComputeTaskPacket p) {
    return new TaskPacket(
        p.getTaskId(),
        p.getParentJobId(),
        p.getChunkIndex(),
        chunk(p),
        p.getWasmModuleHash(),
        p.getWasmModule().isEmpty() ? null : p.getWasmModule().toByteArray(),
        p.getDelegationDepth(),
        p.getTimeoutMs(),
        limits(p.getLimits()),
        p.getMaxPrice(),
        VerificationMode.parse(p.getVerificationMode()),
        p.getExportName(),
        // A URL is for the executor of one assignment; whoever receives a packet makes its own.
        null,
        p.getRedundancy(),
        new TreeRoute(
            p.getDelegationPathList(),
            p.getSplitStrategy(),
            p.getMinChunkSize(),
            p.getMaxChunkSize(),
            p.getOperationWeight()));
  }

  private static Chunk chunk(ComputeTaskPacket p) {
    if (!p.hasChunkRef()) {
      return Chunk.inline(p.getChunkData().toByteArray());
    }
    ChunkReference ref = p.getChunkRef();
    if (!p.getChunkData().isEmpty()) {
      throw new MeshException(
              MeshException.Kind.INVALID_ARGUMENT,
              "INVALID_FIELD",
              "task.chunk_data and task.chunk_ref are both set; a chunk travels one way")
          .with("field", "task.chunk_ref");
    }
    return Chunk.stored(
        ref.getBlobCid(),
        ref.getOffset(),
        ref.getLength(),
        ref.getPrefix().toByteArray(),
        ref.getChunkCid());
  }

  /** A placement for the wire (and the journal). */
  public static TaskPlacement placement(Placement p) {
    TaskPlacement.Builder b =
        TaskPlacement.newBuilder()
            .setTaskId(p.taskId())
            .setChunkIndex(p.chunkIndex())
            .setExportName(p.exportName())
            .setAttempt(p.attempt())
            .setWinnerDid(p.winnerDid())
            .setPrice(p.price())
            .setReason(p.reason())
            .setOutcome(p.outcome())
            .setDecidedAt(p.decidedAt())
            .setRole(p.role());
    if (p.treeNode() != null) {
      b.setTreeNode(treeNode(p.treeNode()));
    }
    for (Placement.BidVerdict v : p.bids()) {
      b.addBids(
          BidVerdict.newBuilder()
              .setExecutorDid(v.executorDid())
              .setPrice(v.price())
              .setReputation(v.reputation())
              .setLoad(v.load())
              .setScore(v.score())
              .setWon(v.won())
              .setReason(v.reason()));
    }
    for (Placement.Refusal r : p.refusals()) {
      b.addRefusals(ExecutorRefusal.newBuilder().setExecutor(r.executor()).setReason(r.reason()));
    }
    return b.build();
  }

  /** A placement from the wire (the journal). */
  public static Placement placement(TaskPlacement p) {
    List<Placement.BidVerdict> bids = new ArrayList<>(p.getBidsCount());
    for (BidVerdict v : p.getBidsList()) {
      bids.add(
          new Placement.BidVerdict(
              v.getExecutorDid(),
              v.getPrice(),
              v.getReputation(),
              v.getLoad(),
              v.getScore(),
              v.getWon(),
              v.getReason()));
    }
    List<Placement.Refusal> refusals = new ArrayList<>(p.getRefusalsCount());
    for (ExecutorRefusal r : p.getRefusalsList()) {
      refusals.add(new Placement.Refusal(r.getExecutor(), r.getReason()));
    }
    return new Placement(
        p.getTaskId(),
        p.getChunkIndex(),
        p.getExportName(),
        p.getAttempt(),
        p.getWinnerDid(),
        p.getPrice(),
        p.getReason(),
        bids,
        refusals,
        p.getOutcome(),
        p.getDecidedAt(),
        p.getRole(),
        p.hasTreeNode() ? treeNode(p.getTreeNode()) : null);
  }
}
