package io.meshwork.content;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds and checks RFC 9162 Merkle audit paths (inclusion proofs, section 2.1.3) and consistency
 * proofs (section 2.1.4).
 *
 * <p>Proofs list hashes from the leaf side up, exactly as the RFC's PATH and PROOF define them, so
 * they interoperate with other RFC 6962/9162 logs such as Tessera and Trillian.
 */
public final class MerkleProofs {
  private MerkleProofs() {}

  /**
   * Returns the inclusion proof (audit path) of leaf {@code index} in the tree made of the first
   * {@code treeSize} of {@code leafHashes}.
   *
   * @throws IllegalArgumentException if {@code index} is not below {@code treeSize} or the tree is
   *     larger than the list
   */
  public static List<byte[]> inclusionProof(List<byte[]> leafHashes, long index, long treeSize) {
    checkTreeSize(leafHashes, treeSize);
    if (index < 0 || index >= treeSize) {
      throw new IllegalArgumentException(
          "leaf index " + index + " is outside a tree of size " + treeSize);
    }
    List<byte[]> path = new ArrayList<>();
    auditPath(leafHashes, (int) index, 0, (int) treeSize, path);
    return path;
  }

  /**
   * Returns the proof that the tree of the first {@code oldSize} leaves is a prefix of the tree of
   * the first {@code newSize} leaves. Equal sizes need no hashes and give an empty proof.
   *
   * @throws IllegalArgumentException unless {@code 0 < oldSize <= newSize <= leafHashes.size()}; an
   *     empty old tree is consistent with every tree and has no proof
   */
  public static List<byte[]> consistencyProof(List<byte[]> leafHashes, long oldSize, long newSize) {
    checkTreeSize(leafHashes, newSize);
    if (oldSize < 1 || oldSize > newSize) {
      throw new IllegalArgumentException(
          "a consistency proof needs 0 < old size <= new size, got " + oldSize + " and " + newSize);
    }
    List<byte[]> proof = new ArrayList<>();
    if (oldSize < newSize) {
      subproof(leafHashes, (int) oldSize, 0, (int) newSize, true, proof);
    }
    return proof;
  }

  /**
   * Checks that {@code leafHash} is leaf {@code index} of the tree of size {@code treeSize} whose
   * root is {@code expectedRoot}, following RFC 9162 section 2.1.3.2.
   *
   * @throws ProofException saying what is wrong: the index is out of range, the path has the wrong
   *     length, a hash has the wrong size, or the path leads to a different root
   */
  public static void verifyInclusion(
      long index, long treeSize, byte[] leafHash, List<byte[]> path, byte[] expectedRoot)
      throws ProofException {
    if (index < 0 || index >= treeSize) {
      throw new ProofException(
          "leaf index " + index + " is out of range for tree size " + treeSize);
    }
    checkHash("leaf hash", leafHash);
    checkHash("expected root", expectedRoot);
    int expectedLength = inclusionPathLength(index, treeSize);
    if (path.size() != expectedLength) {
      throw new ProofException(
          "wrong inclusion path length: expected "
              + expectedLength
              + " hashes for leaf "
              + index
              + " of "
              + treeSize
              + ", got "
              + path.size());
    }
    long fn = index;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (int i = 0; i < path.size(); i++) {
      byte[] p = path.get(i);
      checkHash("path hash " + i, p);
      if ((fn & 1) == 1 || fn == sn) {
        r = MerkleHash.node(p, r);
        if ((fn & 1) == 0) {
          // The node is the rightmost of its level: climb until it is a right child again.
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = MerkleHash.node(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (!MessageDigest.isEqual(r, expectedRoot)) {
      throw new ProofException(
          "root mismatch: the inclusion path for leaf "
              + index
              + " does not lead to the expected root of tree size "
              + treeSize);
    }
  }

  /**
   * Checks that the tree of size {@code oldSize} with root {@code oldRoot} is a prefix of the tree
   * of size {@code newSize} with root {@code newRoot}, following RFC 9162 section 2.1.4.2.
   *
   * <p>Equal sizes are consistent when the proof is empty and the roots are equal. An old size of
   * zero is refused: every tree extends the empty tree, so such a "proof" proves nothing and a
   * caller asking for one has most likely mixed up its sizes.
   *
   * @throws ProofException saying what is wrong: sizes out of order, the path has the wrong length,
   *     a hash has the wrong size, or the path does not reproduce the old or new root
   */
  public static void verifyConsistency(
      long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> path)
      throws ProofException {
    if (oldSize < 0 || newSize < oldSize) {
      throw new ProofException(
          "old tree size " + oldSize + " is not between 0 and the new size " + newSize);
    }
    if (oldSize == 0) {
      throw new ProofException(
          "consistency from the empty tree cannot be proven: every tree extends it");
    }
    if (oldSize == newSize) {
      if (!path.isEmpty()) {
        throw new ProofException(
            "wrong consistency path length: expected 0 hashes for equal sizes, got " + path.size());
      }
      if (!MessageDigest.isEqual(oldRoot, newRoot)) {
        throw new ProofException("root mismatch: trees of equal size " + oldSize + " differ");
      }
      return;
    }
    checkHash("old root", oldRoot);
    checkHash("new root", newRoot);
    boolean oldIsComplete = Long.bitCount(oldSize) == 1;
    long fn = oldSize - 1;
    long sn = newSize - 1;
    // Step 4 of the RFC: skip the levels where the old tree's last node is a right child.
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    int expectedLength = (oldIsComplete ? 0 : 1) + consistencyLoopLength(fn, sn);
    if (path.size() != expectedLength) {
      throw new ProofException(
          "wrong consistency path length: expected "
              + expectedLength
              + " hashes from size "
              + oldSize
              + " to "
              + newSize
              + ", got "
              + path.size());
    }
    for (int i = 0; i < path.size(); i++) {
      checkHash("path hash " + i, path.get(i));
    }
    List<byte[]> hashes = path;
    if (oldIsComplete) {
      // A complete old tree is itself a node of the new tree; the RFC prepends its root.
      hashes = new ArrayList<>(path.size() + 1);
      hashes.add(oldRoot);
      hashes.addAll(path);
    }
    byte[] fr = hashes.get(0);
    byte[] sr = hashes.get(0);
    for (int i = 1; i < hashes.size(); i++) {
      byte[] c = hashes.get(i);
      if ((fn & 1) == 1 || fn == sn) {
        fr = MerkleHash.node(c, fr);
        sr = MerkleHash.node(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = MerkleHash.node(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (!MessageDigest.isEqual(fr, oldRoot)) {
      throw new ProofException(
          "old root mismatch: the consistency path does not reproduce the root of size " + oldSize);
    }
    if (!MessageDigest.isEqual(sr, newRoot)) {
      throw new ProofException(
          "new root mismatch: the consistency path does not reproduce the root of size " + newSize);
    }
  }

  /** Counts the hashes the RFC's inclusion loop consumes before {@code sn} reaches zero. */
  private static int inclusionPathLength(long index, long treeSize) {
    long fn = index;
    long sn = treeSize - 1;
    int count = 0;
    while (sn != 0) {
      if (((fn & 1) == 1 || fn == sn) && (fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
      fn >>= 1;
      sn >>= 1;
      count++;
    }
    return count;
  }

  /** Counts the hashes after the first that the RFC's consistency loop consumes. */
  private static int consistencyLoopLength(long fn, long sn) {
    return inclusionPathLength(fn, sn + 1);
  }

  /** RFC 9162 PATH(m, D[from:to]), appending to {@code out} from the leaf up. */
  private static void auditPath(List<byte[]> leaves, int m, int from, int to, List<byte[]> out) {
    int n = to - from;
    if (n == 1) {
      return;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m < k) {
      auditPath(leaves, m, from, from + k, out);
      out.add(MerkleHash.root(leaves, from + k, to));
    } else {
      auditPath(leaves, m - k, from + k, to, out);
      out.add(MerkleHash.root(leaves, from, from + k));
    }
  }

  /** RFC 9162 SUBPROOF(m, D[from:to], b), appending to {@code out}. */
  private static void subproof(
      List<byte[]> leaves, int m, int from, int to, boolean wholeOldTree, List<byte[]> out) {
    int n = to - from;
    if (m == n) {
      if (!wholeOldTree) {
        out.add(MerkleHash.root(leaves, from, to));
      }
      return;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      subproof(leaves, m, from, from + k, wholeOldTree, out);
      out.add(MerkleHash.root(leaves, from + k, to));
    } else {
      subproof(leaves, m - k, from + k, to, false, out);
      out.add(MerkleHash.root(leaves, from, from + k));
    }
  }

  private static int largestPowerOfTwoBelow(int n) {
    return Integer.highestOneBit(n - 1);
  }

  private static void checkTreeSize(List<byte[]> leafHashes, long treeSize) {
    if (treeSize < 0 || treeSize > leafHashes.size()) {
      throw new IllegalArgumentException(
          "tree size " + treeSize + " is outside 0.." + leafHashes.size() + " known leaves");
    }
  }

  private static void checkHash(String what, byte[] hash) throws ProofException {
    if (hash == null || hash.length != MerkleHash.HASH_LENGTH) {
      throw new ProofException(
          what + " has " + (hash == null ? "no" : hash.length) + " bytes, not 32");
    }
  }
}
