package io.meshwork.wasm.abi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds {@code '\n'} bytes in a block of input; it is the hot loop of cutting an input by lines.
 *
 * <p>Both searches test eight bytes per step (SWAR: a long read from the array and a few bit
 * operations), because a byte-at-a-time loop with an early exit is not vectorised by the JIT and
 * stays well below the speed of reading the input.
 */
final class NewlineScan {

  // Little-endian, so byte i of the array is bits 8i..8i+7 of the long, whatever the platform.
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
  private static final long LOW_SEVEN = 0x7F7F7F7F7F7F7F7FL;

  private NewlineScan() {}

  /** Returns the index of the first {@code '\n'} in {@code block[from, to)}, or -1 if none. */
  static int next(byte[] block, int from, int to) {
    int i = from;
    for (; i <= to - Long.BYTES; i += Long.BYTES) {
      long found = newlineBytes((long) LONGS.get(block, i));
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (block[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Returns the index of the last {@code '\n'} in {@code block[from, to)}, or -1 if none. */
  static int last(byte[] block, int from, int to) {
    int i = to;
    for (; i - Long.BYTES >= from; i -= Long.BYTES) {
      long found = newlineBytes((long) LONGS.get(block, i - Long.BYTES));
      if (found != 0) {
        return i - 1 - (Long.numberOfLeadingZeros(found) >>> 3);
      }
    }
    for (i--; i >= from; i--) {
      if (block[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /**
   * Returns a mask with the top bit set in exactly the bytes of {@code word} that are {@code '\n'}.
   *
   * <p>This is the exact form of the zero-byte test: the shorter {@code (x - 0x01..) & ~x & 0x80..}
   * can also flag a byte above a real match through the borrow, which {@link #last} cannot afford.
   */
  private static long newlineBytes(long word) {
    long x = word ^ NEWLINES;
    return ~(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN);
  }
}
