package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fuzzes proof bundles and their offline verification. Any text either parses to a bundle whose
 * text is exactly the input (one spelling per bundle) or is refused with an {@link
 * IllegalArgumentException}; the offline verifier fails any text with a {@link
 * VerificationException} and nothing else. Real bundles, for every leaf of logs of up to 9
 * receipts, verify, and stop verifying once any character of them changes.
 */
class ProofBundleFuzzTest {
  private static final String ORIGIN = "fuzz.meshwork/receipts";
  private static final Identity LOG = Identity.fromSeed(Receipts.sequence(64));
  private static final ParsedVerifierKey KEY =
      SignedNote.parseVerifierKey(SignedNote.verifierKey(ORIGIN, LOG.publicKey()));

  /** A real bundle for each leaf of each log of 1 to 9 receipts, each of which verifies. */
  private static final List<String> BUNDLES = new ArrayList<>();

  static {
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      ExecutionReceipt r =
          ReceiptSigner.sign(
              Receipts.unsigned().toBuilder().setTaskId("task-" + i).build(), Receipts.EXECUTOR);
      leaves.add(ReceiptCodec.leafBytes(r));
    }
    for (int size = 1; size <= leaves.size(); size++) {
      List<byte[]> hashes = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        hashes.add(MerkleHash.leaf(leaves.get(i)));
      }
      String checkpoint =
          SignedNote.sign(
              new Checkpoint(ORIGIN, size, MerkleHash.root(hashes)).body(), ORIGIN, LOG);
      for (int proven = 0; proven < size; proven++) {
        String text =
            new ProofBundle(
                    Optional.of(leaves.get(proven)),
                    proven,
                    MerkleProofs.inclusionProof(hashes, proven, size),
                    checkpoint)
                .text();
        try {
          OfflineVerifier.verify(text, KEY, Optional.empty(), Optional.empty());
        } catch (VerificationException e) {
          throw new AssertionError("a real bundle failed: " + e.getMessage(), e);
        }
        BUNDLES.add(text);
      }
    }
  }

  @FuzzTest
  void parsesOrRefusesAndVerifiesOnlyTheRealBundle(FuzzedDataProvider data) {
    if (data.consumeBoolean()) {
      anyText(data.consumeRemainingAsString());
    } else {
      tamperedBundle(data);
    }
  }

  private static void anyText(String text) {
    try {
      ProofBundle bundle = ProofBundle.parse(text);
      assertEquals(text, bundle.text());
    } catch (IllegalArgumentException refused) {
      // documented
    }
    try {
      OfflineVerifier.verify(text, KEY, Optional.empty(), Optional.empty());
    } catch (VerificationException failed) {
      // documented
    }
  }

  private static void tamperedBundle(FuzzedDataProvider data) {
    String text = BUNDLES.get(data.consumeInt(0, BUNDLES.size() - 1));
    int position = data.consumeInt(0, text.length() - 1);
    char replacement = data.consumeChar();
    if (replacement == text.charAt(position)) {
      return;
    }
    String tampered = text.substring(0, position) + replacement + text.substring(position + 1);
    assertThrows(
        VerificationException.class,
        () -> OfflineVerifier.verify(tampered, KEY, Optional.empty(), Optional.empty()),
        () -> "changed character " + position + " and it still verified");
  }
}
