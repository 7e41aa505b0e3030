package io.meshwork.receipt.format;

import io.meshwork.content.MerkleHash;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Recomputes a receipt log's tree from every leaf, in order, and compares its root with a signed
 * checkpoint: the check behind {@code meshwork receipt fsck}.
 *
 * <p>Memory stays O(log n): only the roots of the complete subtrees on the right edge are kept, as
 * an RFC 9162 tree is built by merging equal-sized subtrees like a binary counter. Each leaf is
 * also decoded, as a receipt or a job statement, and unless told otherwise its signer's signature
 * is checked, so a leaf that was altered in the store but whose hash was recomputed is caught too.
 */
public final class LogAudit {
  private final boolean checkSignatures;
  private final List<byte[]> subtreeRoots = new ArrayList<>();
  private long size;

  /**
   * Starts an audit of an empty tree.
   *
   * @param checkSignatures whether each receipt's Ed25519 signature is verified (the slow part)
   */
  public LogAudit(boolean checkSignatures) {
    this.checkSignatures = checkSignatures;
  }

  /**
   * Adds the next leaf.
   *
   * @throws VerificationException {@code receipt-encoding} or {@code receipt-<check>} naming the
   *     leaf's index when it is not a valid signed receipt
   */
  public void add(byte[] leafBytes) throws VerificationException {
    if (JobStatement.isStatement(leafBytes)) {
      checkStatement(leafBytes);
    } else {
      checkReceipt(leafBytes);
    }
    byte[] carry = MerkleHash.leaf(leafBytes);
    for (long s = size; (s & 1) == 1; s >>>= 1) {
      carry = MerkleHash.node(subtreeRoots.remove(subtreeRoots.size() - 1), carry);
    }
    subtreeRoots.add(carry);
    size++;
  }

  /**
   * A job statement leaf (docs/RECEIPTS.md, "Job statements"): decoded, and its signature checked.
   */
  private void checkStatement(byte[] leafBytes) throws VerificationException {
    JobStatement statement;
    try {
      statement = JobStatement.fromLeafBytes(leafBytes);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(
          "statement-encoding",
          "leaf " + size + " is not a canonical job statement: " + e.getMessage(),
          e);
    }
    if (checkSignatures && !statement.signatureValid()) {
      throw new VerificationException(
          "statement-signature",
          "leaf " + size + ": the job statement's signature does not verify under its orchestrator",
          null);
    }
  }

  private void checkReceipt(byte[] leafBytes) throws VerificationException {
    ExecutionReceipt receipt;
    try {
      receipt = ReceiptCodec.fromLeafBytes(leafBytes);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(
          "receipt-encoding", "leaf " + size + " is not a canonical receipt: " + e.getMessage(), e);
    }
    if (checkSignatures) {
      try {
        ReceiptVerifier.verify(receipt);
      } catch (ReceiptException e) {
        throw new VerificationException(
            "receipt-" + e.check(), "leaf " + size + ": " + e.getMessage(), e);
      }
    }
  }

  /** Leaves added so far. */
  public long size() {
    return size;
  }

  /** The RFC 9162 root of the leaves added so far. */
  public byte[] root() {
    if (subtreeRoots.isEmpty()) {
      return MerkleHash.root(List.of());
    }
    byte[] acc = subtreeRoots.get(subtreeRoots.size() - 1);
    for (int i = subtreeRoots.size() - 2; i >= 0; i--) {
      acc = MerkleHash.node(subtreeRoots.get(i), acc);
    }
    return acc;
  }

  /**
   * Checks that the leaves added are exactly the tree of {@code checkpoint}.
   *
   * @throws VerificationException {@code fsck-size} when the leaf count differs, {@code fsck-root}
   *     when the recomputed root differs from the checkpoint's
   */
  public void requireMatches(Checkpoint checkpoint) throws VerificationException {
    if (size != checkpoint.treeSize()) {
      throw new VerificationException(
          "fsck-size",
          "read " + size + " leaves but the checkpoint covers " + checkpoint.treeSize(),
          null);
    }
    if (!MessageDigest.isEqual(root(), checkpoint.rootHash())) {
      throw new VerificationException(
          "fsck-root",
          "the root recomputed from the " + size + " leaves differs from the checkpoint's root",
          null);
    }
  }
}
