package io.meshwork.receipt.format;

import io.meshwork.content.Multihash;
import io.meshwork.identity.Ed25519;
import io.meshwork.identity.Identity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Signs and verifies C2SP signed notes with Ed25519 keys (signature type 0x01), the envelope of the
 * receipt log's checkpoints.
 *
 * <p>A note is its text (ending in a newline), a blank line, then one line per signature: {@code —
 * <key name> <base64(key hash || signature)>}. The 4-byte key hash, SHA-256(name || 0x0A || 0x01 ||
 * public key), lets a verifier skip signatures by other keys of the same name cheaply.
 */
public final class SignedNote {
  private static final String SIGNATURE_PREFIX = "\u2014 ";
  private static final byte ED25519_TYPE = 0x01;
  private static final int MAX_SIGNATURES = 100;

  private SignedNote() {}

  /**
   * Returns {@code text} signed by {@code key} under {@code keyName}, as a complete note.
   *
   * @throws IllegalArgumentException if the text is empty, does not end in a newline or holds
   *     control characters other than newline, or the key name is not valid
   */
  public static String sign(String text, String keyName, Identity key) {
    checkText(text);
    checkKeyName(keyName);
    byte[] signature = key.sign(text.getBytes(StandardCharsets.UTF_8));
    byte[] blob = new byte[4 + Ed25519.SIGNATURE_LENGTH];
    System.arraycopy(keyHash(keyName, key.publicKey()), 0, blob, 0, 4);
    System.arraycopy(signature, 0, blob, 4, Ed25519.SIGNATURE_LENGTH);
    return text
        + "\n"
        + SIGNATURE_PREFIX
        + keyName
        + " "
        + Base64.getEncoder().encodeToString(blob)
        + "\n";
  }

  /**
   * Checks that {@code note} carries a valid signature by the Ed25519 key {@code publicKey} named
   * {@code keyName}, and returns the note's text. Signatures by other keys are ignored.
   *
   * @throws NoteException if the note is malformed, a signature claiming to be by this key does not
   *     verify, or there is no signature by this key at all
   */
  public static String verify(String note, String keyName, byte[] publicKey) throws NoteException {
    if (note == null) {
      throw new NoteException("the note is missing");
    }
    for (int i = 0; i < note.length(); i++) {
      char c = note.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw new NoteException(
            String.format("the note holds control character 0x%02x at offset %d", (int) c, i));
      }
    }
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw new NoteException("the note has no blank line before its signatures");
    }
    String text = note.substring(0, split + 1);
    String signatures = note.substring(split + 2);
    if (signatures.isEmpty() || !signatures.endsWith("\n")) {
      throw new NoteException("the note's signature block is empty or does not end in a newline");
    }
    byte[] expectedHash = keyHash(keyName, publicKey);
    byte[] message = text.getBytes(StandardCharsets.UTF_8);
    String[] lines = signatures.substring(0, signatures.length() - 1).split("\n", -1);
    if (lines.length > MAX_SIGNATURES) {
      throw new NoteException("the note has more than " + MAX_SIGNATURES + " signatures");
    }
    boolean verified = false;
    for (String line : lines) {
      if (!line.startsWith(SIGNATURE_PREFIX)) {
        throw new NoteException("a signature line does not start with an em dash and a space");
      }
      String rest = line.substring(SIGNATURE_PREFIX.length());
      int space = rest.indexOf(' ');
      if (space <= 0 || rest.indexOf(' ', space + 1) >= 0) {
        throw new NoteException("a signature line is not '— <name> <base64>'");
      }
      String name = rest.substring(0, space);
      String encoded = rest.substring(space + 1);
      byte[] blob;
      try {
        blob = Base64.getDecoder().decode(encoded);
      } catch (IllegalArgumentException e) {
        throw new NoteException("the signature by '" + name + "' is not base64");
      }
      // The decoder ignores the unused low bits of the last character, so two spellings would
      // carry one signature; only the canonical one is accepted, and any changed byte fails.
      if (!Base64.getEncoder().encodeToString(blob).equals(encoded)) {
        throw new NoteException("the signature by '" + name + "' is not canonical base64");
      }
      if (blob.length < 5) {
        throw new NoteException("the signature by '" + name + "' is too short");
      }
      if (!name.equals(keyName) || !MessageDigest.isEqual(Arrays.copyOf(blob, 4), expectedHash)) {
        continue;
      }
      byte[] signature = Arrays.copyOfRange(blob, 4, blob.length);
      if (!Ed25519.verify(publicKey, message, signature)) {
        throw new NoteException("the signature by '" + keyName + "' does not verify");
      }
      verified = true;
    }
    if (!verified) {
      throw new NoteException("the note has no signature by the key '" + keyName + "'");
    }
    return text;
  }

  /**
   * Formats a C2SP verifier key, {@code <name>+<hex key hash>+<base64(0x01 || public key)>}, the
   * one-line form in which a log publishes its public key.
   */
  public static String verifierKey(String name, byte[] publicKey) {
    checkKeyName(name);
    checkPublicKey(publicKey);
    byte[] typed = new byte[1 + publicKey.length];
    typed[0] = ED25519_TYPE;
    System.arraycopy(publicKey, 0, typed, 1, publicKey.length);
    return name
        + "+"
        + HexFormat.of().formatHex(keyHash(name, publicKey))
        + "+"
        + Base64.getEncoder().encodeToString(typed);
  }

  /**
   * Reads a verifier key made by {@link #verifierKey} or any C2SP implementation.
   *
   * @throws IllegalArgumentException saying what is wrong: the shape, the signature type (only
   *     Ed25519 is supported), the key length, or a key hash that does not match the key
   */
  public static ParsedVerifierKey parseVerifierKey(String vkey) {
    // The name holds no '+', but the base64 key may, so split at the first two only.
    int first = vkey.indexOf('+');
    int second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
    if (first <= 0 || second < 0) {
      throw new IllegalArgumentException("a verifier key is '<name>+<key hash>+<key>'");
    }
    String name = vkey.substring(0, first);
    checkKeyName(name);
    String hashHex = vkey.substring(first + 1, second);
    if (!hashHex.matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException("a verifier key hash is 8 lower-case hex digits");
    }
    byte[] typed;
    try {
      typed = Base64.getDecoder().decode(vkey.substring(second + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the verifier key is not base64", e);
    }
    if (typed.length == 0 || typed[0] != ED25519_TYPE) {
      throw new IllegalArgumentException("the verifier key's signature type is not Ed25519 (0x01)");
    }
    byte[] publicKey = Arrays.copyOfRange(typed, 1, typed.length);
    checkPublicKey(publicKey);
    byte[] hash = HexFormat.of().parseHex(hashHex);
    if (!Arrays.equals(hash, keyHash(name, publicKey))) {
      throw new IllegalArgumentException("the verifier key hash does not match its name and key");
    }
    return new ParsedVerifierKey(name, hash, publicKey);
  }

  /** The C2SP key hash: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key). */
  static byte[] keyHash(String name, byte[] publicKey) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] input = new byte[nameBytes.length + 2 + publicKey.length];
    System.arraycopy(nameBytes, 0, input, 0, nameBytes.length);
    input[nameBytes.length] = '\n';
    input[nameBytes.length + 1] = ED25519_TYPE;
    System.arraycopy(publicKey, 0, input, nameBytes.length + 2, publicKey.length);
    return Arrays.copyOf(Multihash.sha256Digest(input), 4);
  }

  private static void checkText(String text) {
    if (text == null || text.isEmpty() || !text.endsWith("\n")) {
      throw new IllegalArgumentException("a note's text is non-empty and ends with a newline");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw new IllegalArgumentException(
            String.format("a note's text holds control character 0x%02x", (int) c));
      }
    }
  }

  private static void checkKeyName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a key name is not empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c == '+' || Character.isWhitespace(c)) {
        throw new IllegalArgumentException(
            "a key name holds no spaces, control characters or '+': " + name);
      }
    }
  }

  private static void checkPublicKey(byte[] publicKey) {
    if (publicKey == null || publicKey.length != Ed25519.PUBLIC_KEY_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
    }
  }
}
