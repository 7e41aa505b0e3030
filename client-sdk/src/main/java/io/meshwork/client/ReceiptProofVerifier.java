package io.meshwork.client;

import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.receipt.format.OfflineVerifier;
import io.meshwork.receipt.format.ParsedVerifierKey;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.format.VerificationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks execution receipts offline, trusting nothing but the receipt log's verifier key: no call
 * is made, so no node of the mesh can vouch for what it serves. A receipt's proof is its C2SP
 * tlog-proof bundle (from {@link MeshClient#inclusionProof}, {@link MeshClient#proofBundles}, or
 * {@code meshwork receipt proof}); the key is the log's note verifier key ({@code
 * origin+keyhash+base64key}), obtained out of band from the log's operator, or pinned once from
 * {@link MeshClient#checkpoint()}.
 *
 * <pre>{@code
 * JobResult result = mesh.result(jobId, Duration.ofMinutes(5));
 * Map<String, String> proofs = mesh.proofBundles(result);   // online, once
 * // ... later, anywhere, without the mesh:
 * VerifiedResult verified = ReceiptProofVerifier.forLogKey(logKey).verify(result, proofs);
 * }</pre>
 */
public final class ReceiptProofVerifier {
  private final ParsedVerifierKey key;
  private final String logKey;

  private ReceiptProofVerifier(ParsedVerifierKey key, String logKey) {
    this.key = key;
    this.logKey = logKey;
  }

  /**
   * A verifier for the log with this verifier key.
   *
   * @throws IllegalArgumentException when {@code verifierKey} is not a note verifier key
   */
  public static ReceiptProofVerifier forLogKey(String verifierKey) {
    Objects.requireNonNull(verifierKey, "verifierKey");
    try {
      return new ReceiptProofVerifier(
          SignedNote.parseVerifierKey(verifierKey.strip()), verifierKey.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the log key is not a note verifier key (origin+keyhash+base64key): " + e.getMessage(),
          e);
    }
  }

  /** The log's verifier key this verifier trusts. */
  public String logKey() {
    return logKey;
  }

  /**
   * Verifies one proof bundle: the receipt's own signature, the checkpoint's signature under the
   * log's key, and the inclusion path from the receipt to the checkpoint's root.
   *
   * @throws ReceiptProofException naming the check that failed
   */
  public VerifiedReceipt verify(String bundle) {
    return verify(bundle, Optional.empty(), Optional.empty());
  }

  /**
   * Verifies one proof bundle as {@link #verify(String)} does.
   *
   * @param leaf the receipt's bytes when the bundle does not carry them
   * @param expectedCid the CID the receipt must have, if one is expected
   */
  public VerifiedReceipt verify(
      String bundle, Optional<byte[]> leaf, Optional<String> expectedCid) {
    Objects.requireNonNull(bundle, "bundle");
    try {
      OfflineVerifier.VerifiedReceipt v = OfflineVerifier.verify(bundle, key, leaf, expectedCid);
      return new VerifiedReceipt(
          v.receipt(), v.cid(), v.index(), v.checkpoint().treeSize(), v.checkpoint().origin());
    } catch (VerificationException e) {
      // Its message starts with the check's name already, as this exception's will.
      String message = e.getMessage();
      String prefix = e.check() + ": ";
      throw new ReceiptProofException(
          e.check(), message.startsWith(prefix) ? message.substring(prefix.length()) : message, e);
    }
  }

  /**
   * Verifies every receipt behind a completed job's result: each has a bundle in {@code bundles}
   * (by receipt CID) that verifies, at the log index and from the executor the result names, and
   * one of them names the result's CID as its output, which ties the result's bytes to a signed
   * execution.
   *
   * @throws ReceiptProofException naming the first check that failed
   */
  public VerifiedResult verify(JobResult result, Map<String, String> bundles) {
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(bundles, "bundles");
    if (result.receipts().isEmpty()) {
      throw new ReceiptProofException(
          "receipts", "the result of job " + result.jobId() + " names no receipt to verify", null);
    }
    List<VerifiedReceipt> verified = new ArrayList<>();
    for (ReceiptRef ref : result.receipts()) {
      String bundle = bundles.get(ref.getReceiptCid());
      if (bundle == null) {
        throw new ReceiptProofException(
            "missing-proof",
            "no proof bundle for receipt " + ref.getReceiptCid() + " of task " + ref.getTaskId(),
            null);
      }
      VerifiedReceipt v = verify(bundle, Optional.empty(), Optional.of(ref.getReceiptCid()));
      if (v.index() != ref.getLogIndex()) {
        throw new ReceiptProofException(
            "log-index",
            "receipt "
                + v.cid()
                + " is leaf "
                + v.index()
                + " of the log, but the result names index "
                + ref.getLogIndex(),
            null);
      }
      if (!v.receipt().getExecutorDid().equals(ref.getExecutorDid())) {
        throw new ReceiptProofException(
            "executor",
            "receipt "
                + v.cid()
                + " was signed by "
                + v.receipt().getExecutorDid()
                + ", but the result names "
                + ref.getExecutorDid(),
            null);
      }
      verified.add(v);
    }
    String resultCid = result.resultCid().orElse("");
    if (!resultCid.isEmpty()
        && verified.stream().noneMatch(v -> v.receipt().getOutputCid().equals(resultCid))) {
      throw new ReceiptProofException(
          "result-output",
          "no receipt of job " + result.jobId() + " names the result " + resultCid + " as output",
          null);
    }
    return new VerifiedResult(result.jobId(), resultCid, verified);
  }
}
