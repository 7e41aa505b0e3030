package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.MerkleHash;
import io.meshwork.identity.Identity;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignedNoteTest {
  private static final Identity LOG_KEY = Identity.fromSeed(Receipts.sequence(64));
  private static final String ORIGIN = "meshwork.test/receipts";

  @Test
  void roundTrip() throws NoteException {
    String text = new Checkpoint(ORIGIN, 3, MerkleHash.root(List.of())).body();
    String note = SignedNote.sign(text, ORIGIN, LOG_KEY);
    assertTrue(note.startsWith(text + "\n\u2014 " + ORIGIN + " "), note);
    assertTrue(note.endsWith("\n"));
    assertEquals(text, SignedNote.verify(note, ORIGIN, LOG_KEY.publicKey()));
  }

  @Test
  void tamperingIsDetected() {
    String text = "example\n7\n" + "A".repeat(43) + "=\n";
    String note = SignedNote.sign(text, ORIGIN, LOG_KEY);
    assertNote("does not verify", note.replace("example\n7", "example\n8"));
    assertNote("no signature by", note, "other.name", LOG_KEY.publicKey());
    assertNote("no signature by", note, ORIGIN, Identity.generate().publicKey());
    // Flip one bit inside the signature (not the key hash): the key matches, the signature fails.
    int sigStart = note.lastIndexOf(' ') + 1;
    char[] chars = note.toCharArray();
    chars[sigStart + 20] = chars[sigStart + 20] == 'A' ? 'B' : 'A';
    assertNote("does not verify", new String(chars));
    assertNote("no blank line", text + "\u2014 x abc\n");
    assertNote("em dash", text + "\n- " + ORIGIN + " AAAA\n");
    assertNote("not base64", text + "\n\u2014 " + ORIGIN + " !!!!\n");
    assertNote("empty", text + "\n");
    assertNote("control character", note.replace("example", "exa\rmple"));
  }

  @Test
  void acceptsCosignedNotesAndIgnoresOtherKeys() throws NoteException {
    Identity witness = Identity.generate();
    String text = "co-signed\n";
    String byLog = SignedNote.sign(text, ORIGIN, LOG_KEY);
    String byWitness = SignedNote.sign(text, "witness.example", witness);
    String both = byLog + byWitness.substring(text.length() + 1);
    assertEquals(text, SignedNote.verify(both, ORIGIN, LOG_KEY.publicKey()));
    assertEquals(text, SignedNote.verify(both, "witness.example", witness.publicKey()));
  }

  @Test
  void signRefusesBadInput() {
    assertThrows(
        IllegalArgumentException.class, () -> SignedNote.sign("no newline", ORIGIN, LOG_KEY));
    assertThrows(IllegalArgumentException.class, () -> SignedNote.sign("", ORIGIN, LOG_KEY));
    assertThrows(
        IllegalArgumentException.class, () -> SignedNote.sign("tab\there\n", ORIGIN, LOG_KEY));
    assertThrows(
        IllegalArgumentException.class, () -> SignedNote.sign("x\n", "has space", LOG_KEY));
    assertThrows(IllegalArgumentException.class, () -> SignedNote.sign("x\n", "a+b", LOG_KEY));
  }

  @Test
  void verifierKeyRoundTrip() {
    String vkey = SignedNote.verifierKey(ORIGIN, LOG_KEY.publicKey());
    assertTrue(vkey.matches(java.util.regex.Pattern.quote(ORIGIN) + "\\+[0-9a-f]{8}\\+.+"), vkey);
    ParsedVerifierKey parsed = SignedNote.parseVerifierKey(vkey);
    assertEquals(ORIGIN, parsed.name());
    assertArrayEquals(LOG_KEY.publicKey(), parsed.publicKey());
    assertArrayEquals(SignedNote.keyHash(ORIGIN, LOG_KEY.publicKey()), parsed.keyHash());
    assertEquals(parsed, SignedNote.parseVerifierKey(vkey));

    int first = vkey.indexOf('+');
    String[] parts = {
      vkey.substring(0, first), vkey.substring(first + 1, first + 9), vkey.substring(first + 10)
    };
    assertThrows(
        IllegalArgumentException.class,
        () -> SignedNote.parseVerifierKey(parts[0] + "+" + parts[1]));
    assertThrows(
        IllegalArgumentException.class,
        () -> SignedNote.parseVerifierKey("other+" + parts[1] + "+" + parts[2]));
    assertThrows(
        IllegalArgumentException.class,
        () -> SignedNote.parseVerifierKey(parts[0] + "+00000000+" + parts[2]));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SignedNote.parseVerifierKey(parts[0] + "+" + parts[1].toUpperCase() + "+" + parts[2]));
    String wrongType = java.util.Base64.getEncoder().encodeToString(new byte[33]);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SignedNote.parseVerifierKey(parts[0] + "+" + parts[1] + "+" + wrongType));
    assertTrue(e.getMessage().contains("Ed25519"), e.getMessage());
  }

  @Test
  void checkpointBodyRoundTrip() {
    byte[] root = MerkleHash.leaf(new byte[] {1});
    Checkpoint checkpoint = new Checkpoint(ORIGIN, 42, root);
    String body = checkpoint.body();
    assertEquals(
        ORIGIN + "\n42\n" + java.util.Base64.getEncoder().encodeToString(root) + "\n", body);
    assertEquals(checkpoint, Checkpoint.parse(body));
    assertEquals(checkpoint, Checkpoint.parse(body + "an extension line\n"));
    String rootLine = java.util.Base64.getEncoder().encodeToString(root);
    for (String bad :
        List.of(
            ORIGIN + "\n42\n" + rootLine,
            ORIGIN + "\n42\n",
            "\n42\n" + rootLine + "\n",
            ORIGIN + "\n042\n" + rootLine + "\n",
            ORIGIN + "\n-1\n" + rootLine + "\n",
            ORIGIN + "\n99999999999999999999\n" + rootLine + "\n",
            ORIGIN + "\n42\nAAAA\n",
            ORIGIN + "\n42\n" + rootLine + "\n\n")) {
      assertThrows(IllegalArgumentException.class, () -> Checkpoint.parse(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> new Checkpoint(ORIGIN, 1, new byte[31]));
  }

  private static void assertNote(String fragment, String note) {
    assertNote(fragment, note, ORIGIN, LOG_KEY.publicKey());
  }

  private static void assertNote(String fragment, String note, String name, byte[] key) {
    NoteException e = assertThrows(NoteException.class, () -> SignedNote.verify(note, name, key));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
