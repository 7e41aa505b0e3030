package io.meshwork.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MerkleProofsTest {

  @Test
  void emptyTreeAndSingleLeaf() {
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        HexFormat.of().formatHex(MerkleHash.root(List.of())));
    byte[] leaf = MerkleHash.leaf("one".getBytes(StandardCharsets.US_ASCII));
    assertArrayEquals(leaf, MerkleHash.root(List.of(leaf)));
  }

  @Test
  void rootMatchesTheRecursiveDefinition() {
    Random random = new Random(9162);
    for (int n = 0; n <= 70; n++) {
      List<byte[]> leaves = randomLeaves(random, n);
      assertArrayEquals(recursiveRoot(leaves), MerkleHash.root(leaves), "size " + n);
    }
  }

  @Test
  void generatedProofsVerifyForEveryIndexAndSize() throws ProofException {
    Random random = new Random(70);
    List<byte[]> leaves = randomLeaves(random, 70);
    List<byte[]> roots = new ArrayList<>();
    for (int n = 0; n <= 70; n++) {
      roots.add(MerkleHash.root(leaves.subList(0, n)));
    }
    for (int size = 1; size <= 70; size++) {
      int n = size;
      for (int i = 0; i < n; i++) {
        List<byte[]> path = MerkleProofs.inclusionProof(leaves, i, n);
        MerkleProofs.verifyInclusion(i, n, leaves.get(i), path, roots.get(n));
        // The same path must not prove a neighbour or a different tree.
        int other = (i + 1) % n;
        if (other != i) {
          assertThrows(
              ProofException.class,
              () -> MerkleProofs.verifyInclusion(other, n, leaves.get(other), path, roots.get(n)));
        }
      }
      for (int m = 1; m <= n; m++) {
        List<byte[]> proof = MerkleProofs.consistencyProof(leaves, m, n);
        MerkleProofs.verifyConsistency(m, n, roots.get(m), roots.get(n), proof);
        if (m < n) {
          int old = m;
          assertThrows(
              ProofException.class,
              () -> MerkleProofs.verifyConsistency(old, n, roots.get(n), roots.get(old), proof));
        }
      }
    }
  }

  @Test
  void randomTreesRoundTrip() throws ProofException {
    Random random = new Random(1);
    for (int round = 0; round < 20; round++) {
      int n = 1 + random.nextInt(70);
      List<byte[]> leaves = randomLeaves(random, n);
      byte[] root = MerkleHash.root(leaves);
      int i = random.nextInt(n);
      MerkleProofs.verifyInclusion(
          i, n, leaves.get(i), MerkleProofs.inclusionProof(leaves, i, n), root);
      int m = 1 + random.nextInt(n);
      MerkleProofs.verifyConsistency(
          m,
          n,
          MerkleHash.root(leaves.subList(0, m)),
          root,
          MerkleProofs.consistencyProof(leaves, m, n));
    }
  }

  @Test
  void failuresSayWhatIsWrong() {
    List<byte[]> leaves = randomLeaves(new Random(3), 7);
    byte[] root = MerkleHash.root(leaves);
    List<byte[]> path = MerkleProofs.inclusionProof(leaves, 2, 7);

    assertMessage(
        "out of range", () -> MerkleProofs.verifyInclusion(7, 7, leaves.get(2), path, root));
    assertMessage(
        "out of range", () -> MerkleProofs.verifyInclusion(-1, 7, leaves.get(2), path, root));
    assertMessage(
        "wrong inclusion path length",
        () -> MerkleProofs.verifyInclusion(2, 7, leaves.get(2), path.subList(0, 2), root));
    assertMessage(
        "root mismatch", () -> MerkleProofs.verifyInclusion(2, 7, leaves.get(3), path, root));
    assertMessage(
        "leaf hash has 31 bytes",
        () -> MerkleProofs.verifyInclusion(2, 7, new byte[31], path, root));

    byte[] oldRoot = MerkleHash.root(leaves.subList(0, 3));
    List<byte[]> proof = MerkleProofs.consistencyProof(leaves, 3, 7);
    assertMessage("not between", () -> MerkleProofs.verifyConsistency(7, 3, root, oldRoot, proof));
    assertMessage(
        "empty tree", () -> MerkleProofs.verifyConsistency(0, 7, oldRoot, root, List.of()));
    assertMessage(
        "wrong consistency path length",
        () -> MerkleProofs.verifyConsistency(3, 7, oldRoot, root, proof.subList(1, proof.size())));
    assertMessage(
        "old root mismatch", () -> MerkleProofs.verifyConsistency(3, 7, root, root, proof));
    assertMessage(
        "new root mismatch", () -> MerkleProofs.verifyConsistency(3, 7, oldRoot, oldRoot, proof));
    assertMessage(
        "equal size", () -> MerkleProofs.verifyConsistency(7, 7, oldRoot, root, List.of()));

    assertThrows(IllegalArgumentException.class, () -> MerkleProofs.inclusionProof(leaves, 7, 7));
    assertThrows(IllegalArgumentException.class, () -> MerkleProofs.inclusionProof(leaves, 0, 8));
    assertThrows(IllegalArgumentException.class, () -> MerkleProofs.consistencyProof(leaves, 0, 7));
    assertThrows(IllegalArgumentException.class, () -> MerkleProofs.consistencyProof(leaves, 5, 4));
    assertTrue(MerkleProofs.consistencyProof(leaves, 7, 7).isEmpty());
  }

  private interface Check {
    void run() throws ProofException;
  }

  private static void assertMessage(String fragment, Check check) {
    ProofException e = assertThrows(ProofException.class, check::run);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  private static List<byte[]> randomLeaves(Random random, int n) {
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] entry = new byte[1 + random.nextInt(40)];
      random.nextBytes(entry);
      leaves.add(MerkleHash.leaf(entry));
    }
    return leaves;
  }

  /** RFC 9162 MTH written as the RFC states it, to check the iterative version against. */
  private static byte[] recursiveRoot(List<byte[]> leaves) {
    int n = leaves.size();
    if (n == 0) {
      return Multihash.sha256Digest(new byte[0]);
    }
    if (n == 1) {
      return leaves.get(0);
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return MerkleHash.node(
        recursiveRoot(leaves.subList(0, k)), recursiveRoot(leaves.subList(k, n)));
  }
}
