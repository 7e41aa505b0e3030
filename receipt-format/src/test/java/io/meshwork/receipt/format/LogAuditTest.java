package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.content.MerkleHash;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fsck recomputation: the RFC 9162 root at every size, and refusals naming the check. */
class LogAuditTest {
  @Test
  void recomputesTheRootAndComparesItWithTheCheckpoint() throws Exception {
    LogAudit audit = new LogAudit(true);
    List<byte[]> hashes = new ArrayList<>();
    assertArrayEquals(MerkleHash.root(hashes), audit.root());
    for (int i = 0; i < 20; i++) {
      byte[] leaf =
          ReceiptCodec.leafBytes(
              ReceiptSigner.sign(
                  Receipts.unsigned().toBuilder().setTaskId("t" + i).build(), Receipts.EXECUTOR));
      audit.add(leaf);
      hashes.add(MerkleHash.leaf(leaf));
      assertArrayEquals(MerkleHash.root(hashes), audit.root(), "size " + hashes.size());
    }
    audit.requireMatches(new Checkpoint("o", 20, MerkleHash.root(hashes)));
    assertEquals(
        "fsck-root",
        assertThrows(
                VerificationException.class,
                () -> audit.requireMatches(new Checkpoint("o", 20, new byte[32])))
            .check());
    assertEquals(
        "fsck-size",
        assertThrows(
                VerificationException.class,
                () -> audit.requireMatches(new Checkpoint("o", 21, MerkleHash.root(hashes))))
            .check());
    byte[] bad = ReceiptCodec.leafBytes(Receipts.signed());
    bad[bad.length - 1] ^= 1;
    assertEquals(
        "receipt-signature",
        assertThrows(VerificationException.class, () -> audit.add(bad)).check());
    assertEquals(
        "receipt-encoding",
        assertThrows(VerificationException.class, () -> audit.add(new byte[] {1, 2})).check());
  }
}
