package io.meshwork.orchestrator.jobs;

import java.util.List;

/**
 * A job's result once it has ended, or its state when the wait ran out first.
 *
 * @param content the merged result (its CID and size, with its bytes unless they are in the blob
 *     store), or null unless the job completed
 * @param receipts every paid run behind the result
 * @param merkleRoot with merkle verification, the hex RFC 9162 root over the chunk results; else ""
 * @param chunkProofs with merkle verification, each chunk result with its inclusion proof
 * @param statement with merkle verification, the signed and anchored statement of the result
 *     (docs/RECEIPTS.md, "Job statements"); else null
 */
public record JobResult(
    JobStatus status,
    ResultContent content,
    List<ReceiptRef> receipts,
    String merkleRoot,
    List<ChunkProof> chunkProofs,
    ReceiptLog.AnchoredStatement statement) {

  /** A result without Merkle proofs. */
  public JobResult(JobStatus status, ResultContent content, List<ReceiptRef> receipts) {
    this(status, content, receipts, "", List.of(), null);
  }

  /** The result's bytes; null unless the job completed with a result kept inline. */
  public byte[] result() {
    return content == null ? null : content.bytes();
  }

  /** The result's CID; null unless the job completed. */
  public String resultCid() {
    return content == null ? null : content.cid();
  }

  /** An anchored receipt behind the result, with what its executor was paid. */
  public record ReceiptRef(
      String taskId, String receiptCid, long logIndex, String executorDid, long price) {}

  /**
   * One chunk's result and its RFC 9162 inclusion proof under the job's Merkle root, whose leaves
   * are the chunk results' CIDs ({@code ResultTree}).
   *
   * @param inclusionPath the proof's hashes, leaf side first
   */
  public record ChunkProof(
      int chunkIndex, String resultCid, long treeSize, List<byte[]> inclusionPath, byte[] result) {}
}
