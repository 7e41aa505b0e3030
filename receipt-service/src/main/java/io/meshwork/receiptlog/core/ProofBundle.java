package io.meshwork.receiptlog.core;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A receipt's offline inclusion proof in the C2SP {@code tlog-proof} text format: the index, the
 * inclusion path and the signed checkpoint, checkable with only the log's origin and public key.
 *
 * <pre>
 * c2sp.org/tlog-proof@v1
 * index 42
 * &lt;base64 hash, leaf side first&gt;
 * ...
 *
 * &lt;the checkpoint signed note&gt;
 * </pre>
 *
 * <p>The receipt itself is not in the bundle: the verifier recomputes its leaf hash from the
 * receipt it holds. An {@code extra} line, which the format allows for application data, is never
 * written and is skipped when read. docs/RECEIPT-LOG.md specifies the format.
 *
 * @param index position of the leaf
 * @param path RFC 9162 inclusion path, leaf side first, 32-byte hashes
 * @param checkpoint the signed checkpoint note the path leads to
 */
public record ProofBundle(long index, List<byte[]> path, String checkpoint) {
  /** The first line of every bundle. */
  public static final String HEADER = "c2sp.org/tlog-proof@v1";

  private static final int HASH_LENGTH = 32;

  /** Validates the parts. */
  public ProofBundle {
    if (index < 0) {
      throw new IllegalArgumentException("the index is negative");
    }
    path = List.copyOf(path);
    for (byte[] h : path) {
      if (h.length != HASH_LENGTH) {
        throw new IllegalArgumentException("a path hash has " + h.length + " bytes, not 32");
      }
    }
    if (checkpoint == null || checkpoint.isEmpty()) {
      throw new IllegalArgumentException("the checkpoint is missing");
    }
  }

  /** The bundle as text. */
  public String text() {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("index ").append(index).append('\n');
    Base64.Encoder base64 = Base64.getEncoder();
    for (byte[] h : path) {
      b.append(base64.encodeToString(h)).append('\n');
    }
    b.append('\n').append(checkpoint);
    return b.toString();
  }

  /**
   * Reads a bundle.
   *
   * @throws IllegalArgumentException naming the first line that is not as specified
   */
  public static ProofBundle parse(String text) {
    String[] lines = text.split("\n", -1);
    int i = 0;
    if (lines.length < 4 || !lines[i++].equals(HEADER)) {
      throw new IllegalArgumentException(
          "not a tlog-proof bundle: the first line must be " + HEADER);
    }
    if (lines[i].startsWith("extra ")) {
      i++;
    }
    if (!lines[i].startsWith("index ")) {
      throw new IllegalArgumentException("line " + (i + 1) + " must be 'index N'");
    }
    long index = parseIndex(lines[i].substring(6), i + 1);
    i++;
    List<byte[]> path = new ArrayList<>();
    for (; i < lines.length && !lines[i].isEmpty(); i++) {
      byte[] h;
      try {
        h = Base64.getDecoder().decode(lines[i]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + (i + 1) + " is not a base64 hash", e);
      }
      if (h.length != HASH_LENGTH) {
        throw new IllegalArgumentException(
            "line " + (i + 1) + " holds " + h.length + " bytes, not a 32-byte hash");
      }
      path.add(h);
    }
    if (i >= lines.length - 1) {
      throw new IllegalArgumentException("the bundle has no checkpoint after the blank line");
    }
    String checkpoint = String.join("\n", java.util.Arrays.copyOfRange(lines, i + 1, lines.length));
    return new ProofBundle(index, path, checkpoint);
  }

  private static long parseIndex(String digits, int line) {
    // Decimal without sign or leading zeros, so every index has exactly one spelling.
    if (digits.isEmpty()
        || (digits.length() > 1 && digits.charAt(0) == '0')
        || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "line " + line + " has a malformed index '" + digits + "'");
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("line " + line + " has an index out of range", e);
    }
  }
}
