package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshwork.content.MerkleHash;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The incremental root must equal the RFC 9162 root computed from all leaves. */
class FrontierTest {
  @Test
  void matchesTheFullRootAtEverySize() {
    Frontier f = new Frontier();
    List<byte[]> leaves = new ArrayList<>();
    assertArrayEquals(MerkleHash.root(leaves), f.root());
    for (int i = 0; i < 130; i++) {
      byte[] leaf = MerkleHash.leaf(new byte[] {(byte) i, (byte) (i >> 8)});
      leaves.add(leaf);
      f.add(leaf);
      assertEquals(leaves.size(), f.size());
      assertArrayEquals(MerkleHash.root(leaves), f.root(), "root at size " + leaves.size());
    }
  }

  @Test
  void aCopyDoesNotChangeTheOriginal() {
    Frontier f = new Frontier();
    f.add(MerkleHash.leaf(new byte[] {1}));
    byte[] root = f.root();

    Frontier copy = f.copy();
    copy.add(MerkleHash.leaf(new byte[] {2}));

    assertEquals(1, f.size());
    assertArrayEquals(root, f.root());
  }
}
