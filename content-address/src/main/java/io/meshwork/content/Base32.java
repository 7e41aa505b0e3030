package io.meshwork.content;

/**
 * RFC 4648 base32 in lower case without padding, the {@code b} multibase that CIDv1 text uses.
 *
 * <p>Decoding is strict so that one byte string has exactly one spelling: upper case, padding,
 * impossible lengths and non-zero leftover bits are refused.
 */
public final class Base32 {
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private Base32() {}

  /** Encodes bytes as lower-case unpadded base32. */
  public static String encode(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out.append(ALPHABET[(buffer >>> bits) & 31]);
      }
    }
    if (bits > 0) {
      out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }

  /**
   * Decodes lower-case unpadded base32.
   *
   * @throws IllegalArgumentException naming the bad character, or saying the length or the final
   *     bits are not canonical
   */
  public static byte[] decode(String text) {
    int remainder = text.length() % 8;
    // 1, 3 and 6 trailing characters cannot come from whole bytes.
    if (remainder == 1 || remainder == 3 || remainder == 6) {
      throw new IllegalArgumentException(
          "base32 text of length " + text.length() + " cannot encode whole bytes");
    }
    byte[] out = new byte[text.length() * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int index = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int value;
      if (c >= 'a' && c <= 'z') {
        value = c - 'a';
      } else if (c >= '2' && c <= '7') {
        value = c - '2' + 26;
      } else {
        throw new IllegalArgumentException("invalid base32 character '" + c + "' at position " + i);
      }
      buffer = (buffer << 5) | value;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out[index++] = (byte) (buffer >>> bits);
      }
    }
    if ((buffer & ((1 << bits) - 1)) != 0) {
      throw new IllegalArgumentException("base32 text has non-zero padding bits at the end");
    }
    return out;
  }
}
