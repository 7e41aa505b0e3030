package io.meshwork.sandbox.internal;

import java.io.ByteArrayOutputStream;

/**
 * The few pieces of the WebAssembly binary format the {@link FuelInstrumenter} writes and reads:
 * LEB128 numbers, sections, and a cursor over a binary that was validated already.
 */
final class WasmBytes {

  private WasmBytes() {}

  static void writeSection(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    writeUnsigned(out, content.length);
    out.write(content, 0, content.length);
  }

  static void writeUnsigned(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }

  static void writeSigned(ByteArrayOutputStream out, long value) {
    while (true) {
      int b = (int) (value & 0x7F);
      value >>= 7;
      boolean done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
      out.write(done ? b : b | 0x80);
      if (done) {
        return;
      }
    }
  }

  /** A cursor over part of a binary that was already validated, so reads need no bounds errors. */
  static final class Reader {
    final byte[] bytes;
    int position;
    final int limit;

    Reader(byte[] bytes, int position) {
      this(bytes, position, bytes.length);
    }

    Reader(byte[] bytes, int position, int limit) {
      this.bytes = bytes;
      this.position = position;
      this.limit = limit;
    }

    int readByte() {
      return bytes[position++] & 0xFF;
    }

    long readUnsigned() {
      long result = 0;
      int shift = 0;
      int b;
      do {
        b = readByte();
        result |= (long) (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      return result;
    }
  }
}
