package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.ParsedVerifierKey;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receiptlog.store.NodeId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Proofs from stored subtree hashes equal the RFC 9162 proofs computed from every leaf ({@link
 * MerkleProofs}), read O(log n) hashes, and agree with a log nobody here wrote (Tessera).
 */
class StoredTreeTest {
  /** The subtrees a sequence of appends stores, built the way the appender builds them. */
  private static Map<NodeId, byte[]> build(List<byte[]> leaves) {
    Map<NodeId, byte[]> nodes = new HashMap<>();
    Frontier f = new Frontier();
    for (byte[] leaf : leaves) {
      f.add(leaf, nodes);
    }
    return nodes;
  }

  private static List<byte[]> leaves(int n, long seed) {
    Random random = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] entry = new byte[8];
      random.nextBytes(entry);
      out.add(MerkleHash.leaf(entry));
    }
    return out;
  }

  private static TreeNodes from(Map<NodeId, byte[]> nodes) {
    return ids -> {
      Map<NodeId, byte[]> out = new HashMap<>();
      for (NodeId id : ids) {
        if (nodes.containsKey(id)) {
          out.put(id, nodes.get(id));
        }
      }
      return out;
    };
  }

  @Test
  void everyProofOfSmallTreesEqualsTheRfcProofFromTheLeaves() {
    List<byte[]> all = leaves(40, 1);
    TreeNodes nodes = from(build(all));
    for (int n = 1; n <= all.size(); n++) {
      assertArrayEquals(MerkleHash.root(all.subList(0, n)), StoredTree.root(n, nodes), "root " + n);
      for (int i = 0; i < n; i++) {
        assertSame(
            MerkleProofs.inclusionProof(all, i, n),
            StoredTree.inclusionProof(i, n, nodes),
            "inclusion " + i + " of " + n);
      }
      for (int m = 1; m <= n; m++) {
        assertSame(
            MerkleProofs.consistencyProof(all, m, n),
            StoredTree.consistencyProof(m, n, nodes),
            "consistency " + m + " to " + n);
      }
    }
  }

  @Test
  void randomProofsOfALargerTreeMatchAndReadLogarithmicallyMany() {
    List<byte[]> all = leaves(70_001, 2);
    Map<NodeId, byte[]> stored = build(all);
    AtomicInteger reads = new AtomicInteger();
    TreeNodes counting =
        ids -> {
          reads.set(ids.size());
          return from(stored).read(ids);
        };
    Random random = new Random(3);
    for (int round = 0; round < 200; round++) {
      int n = 1 + random.nextInt(all.size());
      int i = random.nextInt(n);
      int m = 1 + random.nextInt(n);
      int bound = 2 * (64 - Long.numberOfLeadingZeros(n)) + 2;
      assertSame(
          MerkleProofs.inclusionProof(all, i, n),
          StoredTree.inclusionProof(i, n, counting),
          "inclusion " + i + " of " + n);
      assertTrue(reads.get() <= bound, reads + " reads for an inclusion proof in " + n);
      assertSame(
          MerkleProofs.consistencyProof(all, m, n),
          StoredTree.consistencyProof(m, n, counting),
          "consistency " + m + " to " + n);
      assertTrue(reads.get() <= bound, reads + " reads for a consistency proof in " + n);
    }
  }

  @Test
  void tesseraCheckpointsVerifyAndMatchOurTreeOverTheSameEntries() throws Exception {
    ParsedVerifierKey key =
        SignedNote.parseVerifierKey(
            "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx");
    String[] entries =
        "one two three four five six seven eit nain ten ileven twelf threeten fourten fivten"
            .split(" ");
    Map<NodeId, byte[]> nodes = new HashMap<>();
    Frontier f = new Frontier();
    Checkpoint previous = null;
    for (int n = 0; n <= entries.length; n++) {
      if (n > 0) {
        f.add(MerkleHash.leaf(entries[n - 1].getBytes(StandardCharsets.US_ASCII)), nodes);
      }
      Checkpoint cp =
          Checkpoint.parse(SignedNote.verify(read("checkpoint." + n), key.name(), key.publicKey()));
      assertEquals(n, cp.treeSize());
      assertArrayEquals(cp.rootHash(), f.root(), "appender root at size " + n);
      assertArrayEquals(cp.rootHash(), StoredTree.root(n, from(nodes)), "stored root at " + n);
      for (int i = 0; i < n; i++) {
        MerkleProofs.verifyInclusion(
            i,
            n,
            MerkleHash.leaf(entries[i].getBytes(StandardCharsets.US_ASCII)),
            StoredTree.inclusionProof(i, n, from(nodes)),
            cp.rootHash());
      }
      if (previous != null && previous.treeSize() > 0) {
        MerkleProofs.verifyConsistency(
            previous.treeSize(),
            n,
            previous.rootHash(),
            cp.rootHash(),
            StoredTree.consistencyProof(previous.treeSize(), n, from(nodes)));
      }
      previous = cp;
    }
  }

  @Test
  void theFrontierOfAStoredTreeReadsOnlyItsRightEdge() {
    List<byte[]> all = leaves(1000, 4);
    Map<NodeId, byte[]> stored = build(all);
    List<NodeId> asked = new ArrayList<>();
    Frontier f =
        Frontier.load(
            1000,
            ids -> {
              asked.addAll(ids);
              return from(stored).read(ids);
            });
    assertEquals(Integer.bitCount(1000), asked.size());
    assertArrayEquals(MerkleHash.root(all), f.root());
    f.add(all.get(0));
    assertEquals(1001, f.size());
  }

  private static void assertSame(List<byte[]> expected, List<byte[]> actual, String what) {
    assertEquals(expected.size(), actual.size(), what);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), what + ", hash " + i);
    }
  }

  private static String read(String name) throws IOException {
    try (InputStream in =
        StoredTreeTest.class.getResourceAsStream("/vectors/tessera-log/" + name)) {
      if (in == null) {
        throw new IOException("missing test vector " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
