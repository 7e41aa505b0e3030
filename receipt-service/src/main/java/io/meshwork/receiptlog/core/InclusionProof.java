package io.meshwork.receiptlog.core;

import io.meshwork.receipt.format.ProofBundle;
import java.util.List;
import java.util.Optional;

/**
 * Proof that a receipt is in the tree of a given size, with the signed checkpoint of that size.
 *
 * @param cid CIDv1 of the receipt
 * @param index position of the receipt
 * @param leaf the receipt's leaf bytes (not copied; treat as immutable)
 * @param path RFC 9162 inclusion path, leaf side first
 * @param checkpoint the signed checkpoint the path leads to
 */
public record InclusionProof(
    String cid, long index, byte[] leaf, List<byte[]> path, SignedCheckpoint checkpoint) {
  /** The tree size the proof is for. */
  public long treeSize() {
    return checkpoint.treeSize();
  }

  /**
   * The proof as an offline C2SP tlog-proof bundle with the receipt's leaf bytes as its {@code
   * extra} data, so that the one file is all a verifier needs (see docs/RECEIPT-LOG.md).
   */
  public String bundle() {
    return new ProofBundle(Optional.of(leaf), index, path, checkpoint.note()).text();
  }
}
