package io.meshwork.wasm.abi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes the frame lists that carry several byte strings through one buffer: the
 * output of a module's {@code split} and the input of its {@code merge}.
 *
 * <p>A frame is an unsigned 32-bit little-endian length followed by that many bytes; a frame list
 * is frames laid end to end, and the empty list is zero bytes.
 */
public final class FrameList {

  private static final int LENGTH_BYTES = Integer.BYTES;

  private FrameList() {}

  /**
   * Packs the frames, in order, into one frame list.
   *
   * @throws IllegalArgumentException if the result would not fit in a Java array
   */
  public static byte[] encode(List<byte[]> frames) {
    long total = 0;
    for (byte[] frame : frames) {
      total += LENGTH_BYTES + frame.length;
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "frame list of " + frames.size() + " frames would take " + total + " bytes");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] frame : frames) {
      out.putInt(frame.length);
      out.put(frame);
    }
    return out.array();
  }

  /**
   * Splits a frame list back into its frames.
   *
   * @throws IllegalArgumentException if a length prefix or a frame's bytes run past the end
   */
  public static List<byte[]> decode(byte[] frameList) {
    ByteBuffer in = ByteBuffer.wrap(frameList).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> frames = new ArrayList<>();
    while (in.hasRemaining()) {
      int offset = in.position();
      if (in.remaining() < LENGTH_BYTES) {
        throw new IllegalArgumentException(
            "frame list truncated: frame "
                + frames.size()
                + " at offset "
                + offset
                + " has "
                + in.remaining()
                + " of the 4 length bytes");
      }
      long length = Integer.toUnsignedLong(in.getInt());
      if (length > in.remaining()) {
        throw new IllegalArgumentException(
            "frame list truncated: frame "
                + frames.size()
                + " at offset "
                + offset
                + " declares "
                + length
                + " bytes but only "
                + in.remaining()
                + " remain");
      }
      byte[] frame = new byte[(int) length];
      in.get(frame);
      frames.add(frame);
    }
    return frames;
  }
}
