package io.meshwork.client;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ChunkProof;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.JobStatementProof;
import io.meshwork.compute.v1.ReceiptRef;
import java.util.List;
import java.util.Optional;

/**
 * What a job produced: the merged result bytes when it completed, or why there is no result, and
 * the signed receipts that make the result checkable without trusting the mesh.
 *
 * <p>A result up to the orchestrator's {@code orchestrator.inline-result-bytes} (4 MiB by default)
 * comes with its bytes ({@link #inline()}); a larger one is a blob of the orchestrator's blob
 * store, named by {@link #resultCid()}, which {@link MeshClient#readResult} streams to a file or
 * any stream. When the orchestrator names inline bytes by a CID, the SDK has already checked that
 * the bytes match it; a mismatch never becomes a {@code JobResult} but a {@link
 * MeshClientException} with reason {@link MeshClientException#RESULT_CID_MISMATCH}. A stored result
 * is checked the same way as it is read.
 */
public final class JobResult {
  private final String jobId;
  private final ByteString bytes;
  private final boolean success;
  private final String error;
  private final List<ReceiptRef> receipts;
  private final String resultCid;
  private final ComputeJobStatus status;
  private final String merkleRoot;
  private final List<ChunkProof> chunkProofs;
  private final long resultSize;
  private final boolean stored;
  private final JobStatementProof statement;

  JobResult(
      String jobId,
      ByteString bytes,
      boolean success,
      String error,
      List<ReceiptRef> receipts,
      String resultCid,
      ComputeJobStatus status) {
    this(jobId, bytes, success, error, receipts, resultCid, status, "", List.of());
  }

  JobResult(
      String jobId,
      ByteString bytes,
      boolean success,
      String error,
      List<ReceiptRef> receipts,
      String resultCid,
      ComputeJobStatus status,
      String merkleRoot,
      List<ChunkProof> chunkProofs) {
    this(
        jobId,
        bytes,
        success,
        error,
        receipts,
        resultCid,
        status,
        merkleRoot,
        chunkProofs,
        bytes.size(),
        false);
  }

  JobResult(
      String jobId,
      ByteString bytes,
      boolean success,
      String error,
      List<ReceiptRef> receipts,
      String resultCid,
      ComputeJobStatus status,
      String merkleRoot,
      List<ChunkProof> chunkProofs,
      long resultSize,
      boolean stored) {
    this(
        jobId,
        bytes,
        success,
        error,
        receipts,
        resultCid,
        status,
        merkleRoot,
        chunkProofs,
        resultSize,
        stored,
        null);
  }

  JobResult(
      String jobId,
      ByteString bytes,
      boolean success,
      String error,
      List<ReceiptRef> receipts,
      String resultCid,
      ComputeJobStatus status,
      String merkleRoot,
      List<ChunkProof> chunkProofs,
      long resultSize,
      boolean stored,
      JobStatementProof statement) {
    this.statement = statement;
    this.resultSize = resultSize;
    this.stored = stored;
    this.merkleRoot = merkleRoot;
    this.chunkProofs = List.copyOf(chunkProofs);
    this.jobId = jobId;
    this.bytes = bytes;
    this.success = success;
    this.error = error;
    this.receipts = List.copyOf(receipts);
    this.resultCid = resultCid;
    this.status = status;
  }

  /**
   * With merkle verification, the hex RFC 9162 root over the chunk results (each proof below was
   * checked against it when the result arrived); empty otherwise.
   */
  public Optional<String> merkleRoot() {
    return merkleRoot.isEmpty() ? Optional.empty() : Optional.of(merkleRoot);
  }

  /**
   * With merkle verification, the orchestrator's signed statement of the result and its proof in
   * the receipt log (docs/RECEIPTS.md, "Job statements"); empty otherwise. {@code meshwork result
   * --receipts} saves it, and {@code io.meshwork.receipt.format.JobVerifier} checks it offline.
   */
  public Optional<JobStatementProof> statement() {
    return Optional.ofNullable(statement);
  }

  /** With merkle verification, each chunk's result and inclusion proof; empty otherwise. */
  public List<ChunkProof> chunkProofs() {
    return chunkProofs;
  }

  /** The job the result belongs to. */
  public String jobId() {
    return jobId;
  }

  /**
   * The merged result (a copy) when it came inline; empty unless {@link #success()}, and empty for
   * a stored result (read it with {@link MeshClient#readResult}).
   */
  public byte[] bytes() {
    return bytes.toByteArray();
  }

  /** The number of result bytes that came inline, without copying them. */
  public int size() {
    return bytes.size();
  }

  /** The result's length in bytes, inline or stored; 0 unless {@link #success()}. */
  public long resultSize() {
    return resultSize;
  }

  /**
   * Whether the result's bytes came with this answer ({@link #bytes()}); false for a result larger
   * than the orchestrator keeps inline, which is the blob {@link #resultCid()} names.
   */
  public boolean inline() {
    return !stored;
  }

  /** True when the job completed and {@link #bytes()} holds its result. */
  public boolean success() {
    return success;
  }

  /** Why there is no result (still running at the deadline, failed, cancelled); else empty. */
  public String error() {
    return error;
  }

  /** The receipts behind the result in chunk order, each with its CID and log position. */
  public List<ReceiptRef> receipts() {
    return receipts;
  }

  /** The CID of the result bytes, already checked against them, when the orchestrator sent one. */
  public Optional<String> resultCid() {
    return resultCid.isEmpty() ? Optional.empty() : Optional.of(resultCid);
  }

  /** The job's status when the orchestrator answered. */
  public ComputeJobStatus status() {
    return status;
  }
}
