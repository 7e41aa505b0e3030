package io.meshwork.orchestrator.jobs;

import java.util.List;

/**
 * A job's result once it has ended, or its state when the wait ran out first.
 *
 * @param result the merged result, or null unless the job completed
 * @param receipts every paid run behind the result
 * @param merkleRoot with merkle verification, the hex RFC 9162 root over the chunk results; else ""
 * @param chunkProofs with merkle verification, each chunk result with its inclusion proof
 */
public record JobResult(
    JobStatus status,
    byte[] result,
    String resultCid,
    List<ReceiptRef> receipts,
    String merkleRoot,
    List<ChunkProof> chunkProofs) {

  /** A result without Merkle proofs. */
  public JobResult(JobStatus status, byte[] result, String resultCid, List<ReceiptRef> receipts) {
    this(status, result, resultCid, receipts, "", List.of());
  }

  /** An anchored receipt behind the result, with what its executor was paid. */
  public record ReceiptRef(
      String taskId, String receiptCid, long logIndex, String executorDid, long price) {}

  /**
   * One chunk's result and its RFC 9162 inclusion proof under the job's Merkle root.
   *
   * @param inclusionPath the proof's hashes, leaf side first
   */
  public record ChunkProof(
      int chunkIndex, String resultCid, long treeSize, List<byte[]> inclusionPath, byte[] result) {}
}
