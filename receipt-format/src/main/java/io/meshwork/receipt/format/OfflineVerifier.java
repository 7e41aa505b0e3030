package io.meshwork.receipt.format;

import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.content.ProofException;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks a receipt's {@code tlog-proof} bundle with nothing but the log's verifier key: no network,
 * no trust in any node of the mesh.
 *
 * <p>Each step names its check in the {@link VerificationException} it throws, in this order:
 * {@code bundle} (the text is not a tlog-proof bundle), {@code receipt-missing} (no receipt given
 * and none in the bundle), {@code receipt-mismatch} (the receipt given differs from the bundle's),
 * {@code receipt-encoding} (the leaf bytes are not a canonical receipt), {@code receipt-<check>}
 * for the checks of {@link ReceiptVerifier} (for example {@code receipt-signature}), {@code cid}
 * (not the receipt the caller expected), {@code checkpoint-signature} (the note is not signed by
 * the log's key), {@code checkpoint-format}, {@code checkpoint-origin} (signed for another log),
 * and {@code inclusion} (the path does not lead from the receipt to the signed root).
 */
public final class OfflineVerifier {
  private OfflineVerifier() {}

  /**
   * A receipt proven to be in the log.
   *
   * @param receipt the receipt, decoded from its leaf bytes
   * @param cid its CID
   * @param index its position in the log
   * @param checkpoint the signed checkpoint that includes it
   */
  public record VerifiedReceipt(
      ExecutionReceipt receipt, String cid, long index, Checkpoint checkpoint) {}

  /**
   * Verifies {@code bundleText} under the log key {@code logKey}, whose name is the log's origin.
   *
   * @param leaf the receipt's leaf bytes when held separately; empty to use the bundle's {@code
   *     extra} data
   * @param expectedCid the CID the caller expects the receipt to have, if any
   * @throws VerificationException naming the failed check
   */
  public static VerifiedReceipt verify(
      String bundleText,
      ParsedVerifierKey logKey,
      Optional<byte[]> leaf,
      Optional<String> expectedCid)
      throws VerificationException {
    Objects.requireNonNull(logKey, "logKey");
    ProofBundle bundle;
    try {
      bundle = ProofBundle.parse(Objects.requireNonNull(bundleText, "bundleText"));
    } catch (IllegalArgumentException e) {
      throw new VerificationException("bundle", e.getMessage(), e);
    }
    byte[] leafBytes = receiptBytes(bundle, leaf);
    ExecutionReceipt receipt;
    try {
      receipt = ReceiptCodec.fromLeafBytes(leafBytes);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(
          "receipt-encoding", "the receipt is not a canonical receipt: " + e.getMessage(), e);
    }
    try {
      ReceiptVerifier.verify(receipt);
    } catch (ReceiptException e) {
      throw new VerificationException("receipt-" + e.check(), e.getMessage(), e);
    }
    String cid = Cid.of(leafBytes);
    if (expectedCid.isPresent() && !expectedCid.get().equals(cid)) {
      throw new VerificationException(
          "cid", "the receipt's CID is " + cid + ", not " + expectedCid.get(), null);
    }
    Checkpoint checkpoint = checkpoint(bundle.checkpoint(), logKey);
    try {
      MerkleProofs.verifyInclusion(
          bundle.index(),
          checkpoint.treeSize(),
          MerkleHash.leaf(leafBytes),
          bundle.path(),
          checkpoint.rootHash());
    } catch (ProofException e) {
      throw new VerificationException("inclusion", e.getMessage(), e);
    }
    return new VerifiedReceipt(receipt, cid, bundle.index(), checkpoint);
  }

  /**
   * Verifies that the log only grew between two checkpoints it signed: both verify under {@code
   * logKey}, and {@code proof} (from {@code GetConsistencyProof}) shows the older tree is a prefix
   * of the newer one. A log that rewrote its history cannot pass this for a checkpoint a client
   * kept from before.
   *
   * @return the newer checkpoint
   * @throws VerificationException {@code checkpoint-signature}, {@code checkpoint-format}, {@code
   *     checkpoint-origin} for either note, or {@code consistency}
   */
  public static Checkpoint verifyConsistency(
      String olderNote, String newerNote, java.util.List<byte[]> proof, ParsedVerifierKey logKey)
      throws VerificationException {
    Checkpoint older = checkpoint(olderNote, logKey);
    Checkpoint newer = checkpoint(newerNote, logKey);
    if (older.treeSize() == 0) {
      // Every tree extends the empty tree; there is nothing to prove.
      return newer;
    }
    try {
      MerkleProofs.verifyConsistency(
          older.treeSize(), newer.treeSize(), older.rootHash(), newer.rootHash(), proof);
    } catch (ProofException e) {
      throw new VerificationException(
          "consistency",
          "the tree of "
              + newer.treeSize()
              + " leaves does not extend the tree of "
              + older.treeSize()
              + ": "
              + e.getMessage(),
          e);
    }
    return newer;
  }

  /**
   * Verifies a signed checkpoint note under the log key and reads it.
   *
   * @throws VerificationException {@code checkpoint-signature}, {@code checkpoint-format} or {@code
   *     checkpoint-origin}
   */
  public static Checkpoint checkpoint(String note, ParsedVerifierKey logKey)
      throws VerificationException {
    String body;
    try {
      body = SignedNote.verify(note, logKey.name(), logKey.publicKey());
    } catch (NoteException e) {
      throw new VerificationException(
          "checkpoint-signature",
          "the checkpoint is not signed by the log key: " + e.getMessage(),
          e);
    }
    Checkpoint checkpoint;
    try {
      checkpoint = Checkpoint.parse(body);
    } catch (IllegalArgumentException e) {
      throw new VerificationException("checkpoint-format", e.getMessage(), e);
    }
    if (!checkpoint.origin().equals(logKey.name())) {
      throw new VerificationException(
          "checkpoint-origin",
          "the checkpoint is for the log '"
              + checkpoint.origin()
              + "', not '"
              + logKey.name()
              + "'",
          null);
    }
    return checkpoint;
  }

  private static byte[] receiptBytes(ProofBundle bundle, Optional<byte[]> leaf)
      throws VerificationException {
    if (leaf.isPresent()) {
      if (bundle.extra().isPresent() && !MessageDigest.isEqual(bundle.extra().get(), leaf.get())) {
        throw new VerificationException(
            "receipt-mismatch", "the receipt given is not the one in the bundle", null);
      }
      return leaf.get();
    }
    return bundle
        .extra()
        .orElseThrow(
            () ->
                new VerificationException(
                    "receipt-missing",
                    "the bundle holds no receipt (no extra line) and none was given",
                    null));
  }
}
