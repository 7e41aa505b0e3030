package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meshwork.identity.Identity;

/**
 * Fuzzes signed notes, verifier keys and checkpoints. Verifying any note fails only with a {@link
 * NoteException} (and reading it as a checkpoint only with a {@link VerificationException});
 * parsing any verifier key or checkpoint body fails only with an {@link IllegalArgumentException};
 * what parses writes back as it was read; and any text the signer accepts verifies as itself.
 */
class SignedNoteFuzzTest {
  private static final String NAME = "fuzz.meshwork/receipts";
  private static final Identity KEY = Identity.fromSeed(Receipts.sequence(64));
  private static final ParsedVerifierKey VERIFIER =
      SignedNote.parseVerifierKey(SignedNote.verifierKey(NAME, KEY.publicKey()));

  @FuzzTest
  void notesKeysAndCheckpointsFailOnlyAsDocumented(FuzzedDataProvider data) {
    int mode = data.consumeInt(0, 3);
    String text = data.consumeRemainingAsString();
    switch (mode) {
      case 0 -> {
        try {
          SignedNote.verify(text, NAME, KEY.publicKey());
        } catch (NoteException e) {
          // documented
        }
        try {
          OfflineVerifier.checkpoint(text, VERIFIER);
        } catch (VerificationException e) {
          // documented
        }
      }
      case 1 -> {
        try {
          ParsedVerifierKey key = SignedNote.parseVerifierKey(text);
          assertEquals(text, SignedNote.verifierKey(key.name(), key.publicKey()));
        } catch (IllegalArgumentException e) {
          // documented
        }
      }
      case 2 -> {
        try {
          Checkpoint checkpoint = Checkpoint.parse(text);
          Checkpoint again = Checkpoint.parse(checkpoint.body());
          assertEquals(checkpoint, again);
          assertArrayEquals(checkpoint.rootHash(), again.rootHash());
        } catch (IllegalArgumentException e) {
          // documented
        }
      }
      default -> {
        String note;
        try {
          note = SignedNote.sign(text, NAME, KEY);
        } catch (IllegalArgumentException e) {
          return; // documented: empty, no final newline, or control characters
        }
        try {
          assertEquals(text, SignedNote.verify(note, NAME, KEY.publicKey()));
        } catch (NoteException e) {
          throw new AssertionError("a note the signer wrote does not verify: " + e.getMessage(), e);
        }
      }
    }
  }
}
