package io.meshwork.client;

import java.util.List;

/**
 * A job's result whose receipts were all verified offline ({@link
 * ReceiptProofVerifier#verify(JobResult, java.util.Map)}): every receipt the orchestrator named is
 * in the log, signed by the executor it names, and one of them produced the result's bytes.
 *
 * @param jobId the job
 * @param resultCid the result's CID, which a verified receipt names as its output
 * @param receipts the verified receipts, in the result's order
 */
public record VerifiedResult(String jobId, String resultCid, List<VerifiedReceipt> receipts) {
  /** Keeps an unmodifiable copy of the receipts. */
  public VerifiedResult {
    receipts = List.copyOf(receipts);
  }
}
