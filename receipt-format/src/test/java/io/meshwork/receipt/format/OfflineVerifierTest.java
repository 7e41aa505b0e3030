package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The offline verifier: a bundle made by the same steps as the log's verifies, and changing any
 * single byte of the receipt, the proof or the checkpoint makes it fail with the check named.
 */
class OfflineVerifierTest {
  private static final String ORIGIN = "test.meshwork/receipts";
  private static final Identity LOG = Identity.fromSeed(Receipts.sequence(64));
  private static final ParsedVerifierKey KEY =
      SignedNote.parseVerifierKey(SignedNote.verifierKey(ORIGIN, LOG.publicKey()));
  private static final int PROVEN = 2;

  private final List<byte[]> leaves = new ArrayList<>();
  private final List<byte[]> leafHashes = new ArrayList<>();
  private final String checkpoint;

  OfflineVerifierTest() {
    for (int i = 0; i < 5; i++) {
      ExecutionReceipt r =
          ReceiptSigner.sign(
              Receipts.unsigned().toBuilder().setTaskId("task-" + i).build(), Receipts.EXECUTOR);
      byte[] leaf = ReceiptCodec.leafBytes(r);
      leaves.add(leaf);
      leafHashes.add(MerkleHash.leaf(leaf));
    }
    checkpoint =
        SignedNote.sign(new Checkpoint(ORIGIN, 5, MerkleHash.root(leafHashes)).body(), ORIGIN, LOG);
  }

  private List<byte[]> path() {
    return MerkleProofs.inclusionProof(leafHashes, PROVEN, 5);
  }

  private ProofBundle bundle(boolean withReceipt) {
    return new ProofBundle(
        withReceipt ? Optional.of(leaves.get(PROVEN)) : Optional.empty(),
        PROVEN,
        path(),
        checkpoint);
  }

  @Test
  void aSelfContainedBundleVerifies() throws Exception {
    OfflineVerifier.VerifiedReceipt v =
        OfflineVerifier.verify(bundle(true).text(), KEY, Optional.empty(), Optional.empty());
    assertEquals(PROVEN, v.index());
    assertEquals(5, v.checkpoint().treeSize());
    assertEquals("task-2", v.receipt().getTaskId());
    assertEquals(ReceiptCodec.cid(v.receipt()), v.cid());
    OfflineVerifier.verify(
        bundle(false).text(), KEY, Optional.of(leaves.get(PROVEN)), Optional.of(v.cid()));
  }

  @Test
  void everyFlippedByteOfTheReceiptFailsAReceiptCheck() {
    String text = bundle(false).text();
    byte[] leaf = leaves.get(PROVEN);
    for (int i = 0; i < leaf.length; i++) {
      byte[] flipped = leaf.clone();
      flipped[i] ^= 0x01;
      String check = failedCheck(text, Optional.of(flipped), "receipt byte " + i);
      assertTrue(check.startsWith("receipt-"), "receipt byte " + i + " failed " + check);
    }
  }

  @Test
  void everyFlippedByteOfTheProofFailsInclusion() {
    List<byte[]> path = path();
    for (int h = 0; h < path.size(); h++) {
      for (int i = 0; i < 32; i++) {
        List<byte[]> changed = new ArrayList<>(path);
        byte[] hash = path.get(h).clone();
        hash[i] ^= 0x01;
        changed.set(h, hash);
        String text = new ProofBundle(PROVEN, changed, checkpoint).text();
        assertEquals(
            "inclusion",
            failedCheck(text, Optional.of(leaves.get(PROVEN)), "path hash " + h + " byte " + i));
      }
    }
    // The index is part of the proof too.
    for (long other : List.of(0L, 1L, 3L, 4L)) {
      String text = new ProofBundle(other, path, checkpoint).text();
      assertEquals("inclusion", failedCheck(text, Optional.of(leaves.get(PROVEN)), "index"));
    }
  }

  @Test
  void everyFlippedByteOfTheCheckpointFailsItsSignature() {
    byte[] note = checkpoint.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < note.length; i++) {
      byte[] flipped = note.clone();
      flipped[i] ^= 0x01;
      String text =
          new ProofBundle(PROVEN, path(), new String(flipped, StandardCharsets.UTF_8)).text();
      assertEquals(
          "checkpoint-signature",
          failedCheck(text, Optional.of(leaves.get(PROVEN)), "checkpoint byte " + i));
    }
  }

  @Test
  void everyFlippedByteOfTheWholeBundleFails() {
    byte[] text = bundle(true).text().getBytes(StandardCharsets.UTF_8);
    Set<String> checks = new java.util.TreeSet<>();
    for (int i = 0; i < text.length; i++) {
      byte[] flipped = text.clone();
      flipped[i] ^= 0x01;
      checks.add(
          failedCheck(
              new String(flipped, StandardCharsets.UTF_8), Optional.empty(), "bundle byte " + i));
    }
    // Each part of the bundle was caught by its own check.
    assertTrue(
        checks.containsAll(Set.of("bundle", "checkpoint-signature", "inclusion")),
        checks.toString());
    assertTrue(checks.stream().anyMatch(c -> c.startsWith("receipt-")), checks.toString());
  }

  @Test
  void refusesAnotherLogsKeyAForgedCheckpointAndAWrongReceipt() {
    Identity forger = Identity.generate();
    String forged = SignedNote.sign(new Checkpoint(ORIGIN, 5, new byte[32]).body(), ORIGIN, forger);
    assertEquals(
        "checkpoint-signature",
        failedCheck(
            new ProofBundle(PROVEN, path(), forged).text(),
            Optional.of(leaves.get(PROVEN)),
            "forged"));

    String otherOrigin = "other.example/log";
    ParsedVerifierKey otherKey =
        SignedNote.parseVerifierKey(SignedNote.verifierKey(otherOrigin, LOG.publicKey()));
    String otherNote =
        SignedNote.sign(
            new Checkpoint(ORIGIN, 5, MerkleHash.root(leafHashes)).body(), otherOrigin, LOG);
    VerificationException e =
        assertThrows(
            VerificationException.class,
            () ->
                OfflineVerifier.verify(
                    new ProofBundle(PROVEN, path(), otherNote).text(),
                    otherKey,
                    Optional.of(leaves.get(PROVEN)),
                    Optional.empty()));
    assertEquals("checkpoint-origin", e.check());

    assertEquals(
        "inclusion",
        failedCheck(bundle(false).text(), Optional.of(leaves.get(PROVEN + 1)), "another receipt"));
    assertEquals(
        "receipt-mismatch",
        failedCheck(bundle(true).text(), Optional.of(leaves.get(0)), "mismatch"));
    assertEquals("receipt-missing", failedCheck(bundle(false).text(), Optional.empty(), "missing"));
    e =
        assertThrows(
            VerificationException.class,
            () ->
                OfflineVerifier.verify(
                    bundle(true).text(), KEY, Optional.empty(), Optional.of("bafkreiother")));
    assertEquals("cid", e.check());
  }

  private static String failedCheck(String bundle, Optional<byte[]> leaf, String what) {
    try {
      OfflineVerifier.verify(bundle, KEY, leaf, Optional.empty());
    } catch (VerificationException e) {
      assertTrue(
          e.getMessage().startsWith(e.check() + ": "),
          what + ": the message names the check: " + e.getMessage());
      return e.check();
    }
    return fail(what + " was changed but the bundle still verifies");
  }
}
