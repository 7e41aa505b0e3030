package io.meshwork.identity;

import java.util.Arrays;

/**
 * Base58 text encoding with the Bitcoin alphabet, the {@code z} multibase used by {@code did:key}.
 *
 * <p>Each leading zero byte becomes one leading {@code '1'}, so the encoding is one-to-one.
 */
public final class Base58 {
  private static final char[] ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final int[] DIGITS = new int[128];

  static {
    Arrays.fill(DIGITS, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      DIGITS[ALPHABET[i]] = i;
    }
  }

  private Base58() {}

  /** Encodes bytes as Base58 text. */
  public static String encode(byte[] data) {
    int zeros = 0;
    while (zeros < data.length && data[zeros] == 0) {
      zeros++;
    }
    // Base58 needs at most log(256)/log(58) ~ 1.37 digits per byte.
    char[] out = new char[data.length * 2];
    int outStart = out.length;
    byte[] number = Arrays.copyOf(data, data.length);
    int start = zeros;
    while (start < number.length) {
      int remainder = divide(number, start, 256, 58);
      out[--outStart] = ALPHABET[remainder];
      while (start < number.length && number[start] == 0) {
        start++;
      }
    }
    for (int i = 0; i < zeros; i++) {
      out[--outStart] = ALPHABET[0];
    }
    return new String(out, outStart, out.length - outStart);
  }

  /**
   * Decodes Base58 text to bytes.
   *
   * @throws IllegalArgumentException if the text holds a character outside the alphabet
   */
  public static byte[] decode(String text) {
    byte[] digits = new byte[text.length()];
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int digit = c < 128 ? DIGITS[c] : -1;
      if (digit < 0) {
        throw new IllegalArgumentException("invalid base58 character '" + c + "' at position " + i);
      }
      digits[i] = (byte) digit;
    }
    int zeros = 0;
    while (zeros < digits.length && digits[zeros] == 0) {
      zeros++;
    }
    byte[] out = new byte[digits.length];
    int outStart = out.length;
    int start = zeros;
    while (start < digits.length) {
      int remainder = divide(digits, start, 58, 256);
      out[--outStart] = (byte) remainder;
      while (start < digits.length && digits[start] == 0) {
        start++;
      }
    }
    byte[] result = new byte[zeros + out.length - outStart];
    System.arraycopy(out, outStart, result, zeros, out.length - outStart);
    return result;
  }

  /** Divides the big number in {@code number[start..]} (digits in base {@code from}) in place. */
  private static int divide(byte[] number, int start, int from, int divisor) {
    int remainder = 0;
    for (int i = start; i < number.length; i++) {
      int value = remainder * from + (number[i] & 0xff);
      number[i] = (byte) (value / divisor);
      remainder = value % divisor;
    }
    return remainder;
  }
}
