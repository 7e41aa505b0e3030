package io.meshwork.orchestrator.wire;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ChunkProof;
import io.meshwork.compute.v1.ComplexityHints;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.GetComputeCapacityResponse;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.content.Multihash;
import io.meshwork.orchestrator.jobs.FleetCapacity;
import io.meshwork.orchestrator.jobs.JobManifest;
import io.meshwork.orchestrator.jobs.JobResult;
import io.meshwork.orchestrator.jobs.JobStatus;
import java.util.Locale;

/** Jobs as submitted and as reported, between proto and domain. */
public final class JobMessages {
  private JobMessages() {}

  /**
   * A submitted manifest; its digest is taken over the message as it arrived, which is what a
   * resubmission of the same job repeats.
   */
  public static JobManifest submitted(ComputeJobManifest m) {
    return manifest(m, Multihash.sha256Digest(m.toByteArray()));
  }

  /** A manifest from the wire (or the journal) whose digest is already known. */
  public static JobManifest manifest(ComputeJobManifest m, byte[] digest) {
    return new JobManifest(
        m.getJobId(),
        m.getWasmModule().toByteArray(),
        m.getInputData().toByteArray(),
        m.getInputCid(),
        m.getInputUrl(),
        m.getInputSha256(),
        m.getSplitStrategy(),
        m.getMinChunkSize(),
        m.getMaxChunkSize(),
        m.getVerificationMode(),
        m.getTimeoutSecs(),
        m.getRetryCount(),
        m.getPriority(),
        m.getRedundancy(),
        m.getManaBudget(),
        m.hasComplexity() ? m.getComplexity().getOperationType() : "",
        m.hasComplexity() ? m.getComplexity().getOperationWeight() : 0,
        TaskMessages.limits(m.getLimits()),
        digest,
        m.getChunkPrefix().toByteArray());
  }

  /** A manifest for the journal. */
  public static ComputeJobManifest manifest(JobManifest m) {
    ComputeJobManifest.Builder b =
        ComputeJobManifest.newBuilder()
            .setJobId(m.jobId())
            .setWasmModule(ByteString.copyFrom(m.wasmModule()))
            .setInputData(ByteString.copyFrom(m.inputData()))
            .setInputCid(m.inputCid())
            .setInputUrl(m.inputUrl())
            .setInputSha256(m.inputSha256())
            .setSplitStrategy(m.splitStrategy())
            .setMinChunkSize(m.minChunkSize())
            .setMaxChunkSize(m.maxChunkSize())
            .setVerificationMode(m.verificationMode())
            .setTimeoutSecs(m.timeoutSecs())
            .setRetryCount(m.retryCount())
            .setPriority(m.priority())
            .setRedundancy(m.redundancy())
            .setManaBudget(m.manaBudget())
            .setLimits(TaskMessages.limits(m.limits()))
            // Journaled with the rest, so that a resumed job cuts the same chunks after the
            // same prefix.
            .setChunkPrefix(ByteString.copyFrom(m.chunkPrefix()));
    if (!m.operationType().isEmpty() || m.operationWeight() != 0) {
      b.setComplexity(
          ComplexityHints.newBuilder()
              .setOperationType(m.operationType())
              .setOperationWeight(m.operationWeight()));
    }
    return b.build();
  }

  /** A job's status for the wire. */
  public static ComputeJobStatus status(JobStatus s) {
    ComputeJobStatus.Builder status =
        ComputeJobStatus.newBuilder()
            .setJobId(s.jobId())
            .setStatus(s.state().wireName())
            .setProgress(s.progress())
            .setCompletedChunks(s.completedChunks())
            .setTotalChunks(s.totalChunks())
            .setEstimatedTimeRemaining((int) Math.min(Integer.MAX_VALUE, s.etaSecs()))
            .setErrorMsg(s.errorMessage())
            .setManaBudget(s.manaBudget())
            .setManaSpent(s.manaSpent())
            .setManaRefunded(s.manaRefunded())
            .setSubmitterDid(s.submitterDid())
            .setSubmittedAt(s.submittedAt())
            .setFinishedAt(s.finishedAt());
    // A listing of ended jobs does not read their manifests, so it has neither.
    if (s.priority() != null) {
      status.setPriority(s.priority().name().toLowerCase(Locale.ROOT));
    }
    if (s.verification() != null) {
      status.setVerificationMode(s.verification().wireName());
    }
    return status.build();
  }

  /** A receipt behind a job's result, for the wire. */
  public static ReceiptRef receipt(JobResult.ReceiptRef r) {
    return ReceiptRef.newBuilder()
        .setTaskId(r.taskId())
        .setReceiptCid(r.receiptCid())
        .setLogIndex(r.logIndex())
        .setExecutorDid(r.executorDid())
        .setPrice(r.price())
        .build();
  }

  /** A job's anchored statement as {@code GetJobResultResponse.job_statement} carries it. */
  public static io.meshwork.compute.v1.JobStatementProof statement(
      io.meshwork.orchestrator.jobs.ReceiptLog.AnchoredStatement s) {
    return io.meshwork.compute.v1.JobStatementProof.newBuilder()
        .setCid(s.cid())
        .setLogIndex(s.logIndex())
        .setProofBundle(s.proofBundle())
        .build();
  }

  /** A chunk's result with its inclusion proof, for the wire. */
  public static ChunkProof chunkProof(JobResult.ChunkProof p) {
    ChunkProof.Builder b =
        ChunkProof.newBuilder()
            .setChunkIndex(p.chunkIndex())
            .setResultCid(p.resultCid())
            .setTreeSize(p.treeSize())
            .setResult(ByteString.copyFrom(p.result()));
    for (byte[] step : p.inclusionPath()) {
      b.addInclusionPath(ByteString.copyFrom(step));
    }
    return b.build();
  }

  /** The fleet's capacity for the wire. */
  public static GetComputeCapacityResponse capacity(FleetCapacity c) {
    return GetComputeCapacityResponse.newBuilder()
        .setCpuCores(c.cpuCores())
        .setRamMb(c.ramMb())
        .setCurrentLoad(c.currentLoad())
        .setLiveExecutors(c.liveExecutors())
        .setTaskSlots(c.taskSlots())
        .build();
  }
}
