package io.meshwork.receipt.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A receipt's offline inclusion proof in the C2SP {@code tlog-proof} text format: optional
 * application data, the index, the inclusion path and the signed checkpoint, checkable with only
 * the log's origin and public key.
 *
 * <pre>
 * c2sp.org/tlog-proof@v1
 * extra &lt;base64 of the receipt's leaf bytes&gt;
 * index 42
 * &lt;base64 hash, leaf side first&gt;
 * ...
 *
 * &lt;the checkpoint signed note&gt;
 * </pre>
 *
 * <p>The format leaves the meaning of {@code extra} to the application. Meshwork puts the receipt's
 * leaf bytes there, so that one file is all a verifier needs; the data is not trusted, since the
 * verifier hashes it and checks it against the signed root. docs/RECEIPT-LOG.md specifies the
 * format.
 *
 * @param extra the application data, empty when the bundle has no {@code extra} line
 * @param index position of the leaf
 * @param path RFC 9162 inclusion path, leaf side first, 32-byte hashes
 * @param checkpoint the signed checkpoint note the path leads to
 */
public record ProofBundle(
    Optional<byte[]> extra, long index, List<byte[]> path, String checkpoint) {
  /** The first line of every bundle. */
  public static final String HEADER = "c2sp.org/tlog-proof@v1";

  private static final int HASH_LENGTH = 32;

  /** Validates the parts. */
  public ProofBundle {
    extra = extra.map(byte[]::clone);
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

  /** A bundle without application data. */
  public ProofBundle(long index, List<byte[]> path, String checkpoint) {
    this(Optional.empty(), index, path, checkpoint);
  }

  /** The bundle as text. */
  public String text() {
    Base64.Encoder base64 = Base64.getEncoder();
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    extra.ifPresent(e -> b.append("extra ").append(base64.encodeToString(e)).append('\n'));
    b.append("index ").append(index).append('\n');
    for (byte[] h : path) {
      b.append(base64.encodeToString(h)).append('\n');
    }
    b.append('\n').append(checkpoint);
    return b.toString();
  }

  /**
   * Reads a bundle. Base64 must be canonical (padded, unused bits zero), so every bundle has one
   * spelling and no changed byte goes unnoticed.
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
    Optional<byte[]> extra = Optional.empty();
    if (lines[i].startsWith("extra ")) {
      extra = Optional.of(base64(lines[i].substring(6), i + 1, "the extra data"));
      i++;
    }
    if (!lines[i].startsWith("index ")) {
      throw new IllegalArgumentException("line " + (i + 1) + " must be 'index N'");
    }
    long index = parseIndex(lines[i].substring(6), i + 1);
    i++;
    List<byte[]> path = new ArrayList<>();
    for (; i < lines.length && !lines[i].isEmpty(); i++) {
      byte[] h = base64(lines[i], i + 1, "a path hash");
      if (h.length != HASH_LENGTH) {
        throw new IllegalArgumentException(
            "line " + (i + 1) + " holds " + h.length + " bytes, not a 32-byte hash");
      }
      path.add(h);
    }
    if (i >= lines.length - 1) {
      throw new IllegalArgumentException("the bundle has no checkpoint after the blank line");
    }
    String checkpoint = String.join("\n", Arrays.copyOfRange(lines, i + 1, lines.length));
    return new ProofBundle(extra, index, path, checkpoint);
  }

  private static byte[] base64(String text, int line, String what) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("line " + line + ": " + what + " is not base64", e);
    }
    // Java's decoder ignores the unused bits of the last character; refuse such spellings.
    if (!Base64.getEncoder().encodeToString(bytes).equals(text)) {
      throw new IllegalArgumentException("line " + line + ": " + what + " is not canonical base64");
    }
    return bytes;
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
