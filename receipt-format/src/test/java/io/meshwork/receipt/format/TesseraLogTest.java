package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.content.ProofException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks our signed-note verifier and RFC 9162 hashing against a small log written by Tessera
 * (transparency-dev/tessera testdata/log), whose checkpoints, hash tiles and entry bundles are in
 * the C2SP tlog-tiles layout.
 */
class TesseraLogTest {
  private static final String VKEY =
      "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
  private static final String ORIGIN = "example.com/log/testdata";
  private static final List<String> ENTRIES =
      List.of(
          "one",
          "two",
          "three",
          "four",
          "five",
          "six",
          "seven",
          "eit",
          "nain",
          "ten",
          "ileven",
          "twelf",
          "threeten",
          "fourten",
          "fivten");

  @Test
  void everyCheckpointVerifiesAndMatchesTheEntries() throws Exception {
    ParsedVerifierKey key = SignedNote.parseVerifierKey(VKEY);
    assertEquals(ORIGIN, key.name());
    assertEquals(VKEY, SignedNote.verifierKey(key.name(), key.publicKey()));

    List<byte[]> leaves = new ArrayList<>();
    for (String entry : ENTRIES) {
      leaves.add(MerkleHash.leaf(entry.getBytes(StandardCharsets.US_ASCII)));
    }
    Checkpoint previous = null;
    for (int n = 0; n <= 15; n++) {
      String note = read("checkpoint." + n);
      Checkpoint checkpoint =
          Checkpoint.parse(SignedNote.verify(note, key.name(), key.publicKey()));
      assertEquals(ORIGIN, checkpoint.origin());
      assertEquals(n, checkpoint.treeSize());
      assertArrayEquals(MerkleHash.root(leaves.subList(0, n)), checkpoint.rootHash(), "size " + n);
      // Each checkpoint extends the one before it.
      if (previous != null && previous.treeSize() > 0) {
        MerkleProofs.verifyConsistency(
            previous.treeSize(),
            n,
            previous.rootHash(),
            checkpoint.rootHash(),
            MerkleProofs.consistencyProof(leaves, previous.treeSize(), n));
      }
      previous = checkpoint;
    }
    assertEquals(read("checkpoint.15"), read("checkpoint"));
  }

  @Test
  void tilesHoldTheEntriesAndTheirLeafHashes() throws IOException {
    for (int n = 1; n <= 15; n++) {
      List<String> bundle = entryBundle(readBytes("tile/entries/000.p/" + n));
      assertEquals(ENTRIES.subList(0, n), bundle, "entry bundle " + n);
      byte[] tile = readBytes("tile/0/000.p/" + n);
      assertEquals(32 * n, tile.length);
      for (int i = 0; i < n; i++) {
        assertArrayEquals(
            MerkleHash.leaf(ENTRIES.get(i).getBytes(StandardCharsets.US_ASCII)),
            Arrays.copyOfRange(tile, 32 * i, 32 * i + 32),
            "tile " + n + " hash " + i);
      }
    }
  }

  @Test
  void tamperedCheckpointFails() throws IOException {
    ParsedVerifierKey key = SignedNote.parseVerifierKey(VKEY);
    String note = read("checkpoint.5");
    assertThrows(
        NoteException.class,
        () -> SignedNote.verify(note.replace("\n5\n", "\n6\n"), key.name(), key.publicKey()));
    assertThrows(
        NoteException.class,
        () -> SignedNote.verify(note, key.name(), Receipts.EXECUTOR.publicKey()));
  }

  @Test
  void inclusionProofsAgainstTheLatestCheckpoint() throws Exception {
    ParsedVerifierKey key = SignedNote.parseVerifierKey(VKEY);
    Checkpoint latest =
        Checkpoint.parse(SignedNote.verify(read("checkpoint"), key.name(), key.publicKey()));
    List<byte[]> leaves = new ArrayList<>();
    for (String entry : ENTRIES) {
      leaves.add(MerkleHash.leaf(entry.getBytes(StandardCharsets.US_ASCII)));
    }
    for (int i = 0; i < 15; i++) {
      MerkleProofs.verifyInclusion(
          i,
          latest.treeSize(),
          leaves.get(i),
          MerkleProofs.inclusionProof(leaves, i, 15),
          latest.rootHash());
    }
    byte[] notInLog = MerkleHash.leaf("sixteen".getBytes(StandardCharsets.US_ASCII));
    assertThrows(
        ProofException.class,
        () ->
            MerkleProofs.verifyInclusion(
                3, 15, notInLog, MerkleProofs.inclusionProof(leaves, 3, 15), latest.rootHash()));
  }

  /** A C2SP entry bundle: each entry is a big-endian uint16 length followed by its bytes. */
  private static List<String> entryBundle(byte[] bundle) {
    ByteBuffer in = ByteBuffer.wrap(bundle);
    List<String> entries = new ArrayList<>();
    while (in.hasRemaining()) {
      byte[] entry = new byte[in.getShort() & 0xffff];
      in.get(entry);
      entries.add(new String(entry, StandardCharsets.US_ASCII));
    }
    return entries;
  }

  private static String read(String name) throws IOException {
    return new String(readBytes(name), StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(String name) throws IOException {
    try (InputStream in =
        TesseraLogTest.class.getResourceAsStream("/vectors/tessera-log/" + name)) {
      if (in == null) {
        throw new IOException("missing test vector " + name);
      }
      return in.readAllBytes();
    }
  }
}
