package io.meshwork.receiptlog.core;

import java.util.List;

/**
 * Proof that a receipt is in the tree of a given size, with the signed checkpoint of that size.
 *
 * @param cid CIDv1 of the receipt
 * @param index position of the receipt
 * @param path RFC 9162 inclusion path, leaf side first
 * @param checkpoint the signed checkpoint the path leads to
 */
public record InclusionProof(
    String cid, long index, List<byte[]> path, SignedCheckpoint checkpoint) {
  /** The tree size the proof is for. */
  public long treeSize() {
    return checkpoint.treeSize();
  }

  /** The proof as an offline C2SP tlog-proof bundle (see docs/RECEIPT-LOG.md). */
  public String bundle() {
    return new ProofBundle(index, path, checkpoint.note()).text();
  }
}
