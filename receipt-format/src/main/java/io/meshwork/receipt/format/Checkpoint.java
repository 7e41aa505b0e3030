package io.meshwork.receipt.format;

import java.util.Arrays;
import java.util.Base64;

/**
 * The body of a C2SP tlog-checkpoint: which log, how many entries, and the RFC 9162 root hash over
 * them. Signed as a note, it is the log's commitment that proofs are checked against.
 *
 * @param origin the log's unique name, e.g. {@code meshwork.example/receipts}
 * @param treeSize the number of entries
 * @param rootHash the 32-byte Merkle tree hash of those entries
 */
public record Checkpoint(String origin, long treeSize, byte[] rootHash) {
  /** Validates and copies the fields. */
  public Checkpoint {
    if (origin == null || origin.isEmpty() || origin.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a checkpoint origin is one non-empty line");
    }
    if (treeSize < 0) {
      throw new IllegalArgumentException("a checkpoint tree size is not negative");
    }
    if (rootHash == null || rootHash.length != 32) {
      throw new IllegalArgumentException("a checkpoint root hash has 32 bytes");
    }
    rootHash = rootHash.clone();
  }

  /** Returns a copy of the root hash. */
  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  /** Returns the note text: origin, tree size and base64 root hash, each on its own line. */
  public String body() {
    return origin + "\n" + treeSize + "\n" + Base64.getEncoder().encodeToString(rootHash) + "\n";
  }

  /**
   * Reads a checkpoint body (the text of the signed note). Extension lines after the root hash,
   * which the format allows, are accepted but not kept.
   *
   * @throws IllegalArgumentException saying which line is malformed
   */
  public static Checkpoint parse(String body) {
    if (body == null || !body.endsWith("\n")) {
      throw new IllegalArgumentException("a checkpoint body ends with a newline");
    }
    String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
    if (lines.length < 3) {
      throw new IllegalArgumentException(
          "a checkpoint body has origin, size and root hash lines; found " + lines.length);
    }
    String origin = lines[0];
    if (origin.isEmpty()) {
      throw new IllegalArgumentException("the checkpoint origin line is empty");
    }
    String size = lines[1];
    // Decimal without sign or leading zeros, so each size has one spelling.
    if (size.isEmpty()
        || size.length() > 19
        || !size.chars().allMatch(c -> c >= '0' && c <= '9')
        || (size.length() > 1 && size.charAt(0) == '0')) {
      throw new IllegalArgumentException(
          "the checkpoint size line is not a decimal number: " + size);
    }
    long treeSize;
    try {
      treeSize = Long.parseLong(size);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the checkpoint size is out of range: " + size, e);
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the checkpoint root hash line is not base64", e);
    }
    if (root.length != 32) {
      throw new IllegalArgumentException(
          "the checkpoint root hash has " + root.length + " bytes, not 32");
    }
    for (int i = 3; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        throw new IllegalArgumentException("the checkpoint has an empty extension line");
      }
    }
    return new Checkpoint(origin, treeSize, root);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Checkpoint that
        && origin.equals(that.origin)
        && treeSize == that.treeSize
        && Arrays.equals(rootHash, that.rootHash);
  }

  @Override
  public int hashCode() {
    return (origin.hashCode() * 31 + Long.hashCode(treeSize)) * 31 + Arrays.hashCode(rootHash);
  }

  @Override
  public String toString() {
    return "Checkpoint["
        + origin
        + ", "
        + treeSize
        + ", "
        + Base64.getEncoder().encodeToString(rootHash)
        + "]";
  }
}
