package io.meshwork.receipt.format;

import com.google.protobuf.ByteString;
import io.meshwork.content.Cid;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ResourceLimits;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one canonical byte encoding of an execution receipt (specified in docs/RECEIPTS.md), which is
 * what executors sign, what the receipt log stores, and what a receipt's CID names.
 *
 * <p>Protobuf serialization is not used for this because it is not canonical across
 * implementations; this encoding is simple enough to reproduce in any language: an ASCII magic
 * line, then every field in a fixed order as tag (1 byte), length (u32 little-endian) and value
 * (UTF-8 text, or a u64 little-endian integer). A log entry appends the 64-byte signature.
 */
public final class ReceiptCodec {
  /** The first bytes of every encoded receipt. */
  static final byte[] MAGIC = "meshwork-receipt-v1\n".getBytes(StandardCharsets.US_ASCII);

  private static final int INTEGER_LENGTH = 8;
  private static final int SIGNATURE_LENGTH = 64;

  private ReceiptCodec() {}

  /**
   * Returns the bytes an executor signs: the canonical encoding of every field but the signature.
   *
   * @throws IllegalArgumentException if a string field is not valid Unicode (an unpaired
   *     surrogate), which has no UTF-8 encoding
   */
  public static byte[] signedBytes(ExecutionReceipt r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    out.writeBytes(MAGIC);
    for (ReceiptField field : ReceiptField.SIGNED) {
      Object value = field.read(r);
      byte[] bytes =
          field.kind == ReceiptField.Kind.STRING
              ? utf8((String) value, field)
              : littleEndian((Long) value);
      writeField(out, field.tag, bytes);
    }
    return out.toByteArray();
  }

  /**
   * Returns the receipt's log entry: {@link #signedBytes} followed by the 64 signature bytes.
   *
   * @throws IllegalArgumentException if the receipt does not carry a 64-byte signature, since only
   *     signed receipts are log entries
   */
  public static byte[] leafBytes(ExecutionReceipt r) {
    if (r.getSignature().size() != SIGNATURE_LENGTH) {
      throw new IllegalArgumentException(
          "receipt signature has " + r.getSignature().size() + " bytes; a log entry needs 64");
    }
    byte[] signed = signedBytes(r);
    byte[] leaf = Arrays.copyOf(signed, signed.length + SIGNATURE_LENGTH);
    r.getSignature().copyTo(leaf, signed.length);
    return leaf;
  }

  /**
   * Decodes a log entry made by {@link #leafBytes}, strictly: it must be exactly that encoding.
   *
   * @throws IllegalArgumentException saying what is wrong: bad magic, a missing, unknown or
   *     misplaced field, a bad length, invalid UTF-8, an out-of-range integer, or anything but
   *     exactly 64 signature bytes after the fields
   */
  public static ExecutionReceipt fromLeafBytes(byte[] leaf) {
    if (leaf.length < MAGIC.length
        || !Arrays.equals(leaf, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new IllegalArgumentException(
          "not a receipt: it does not start with the magic line 'meshwork-receipt-v1'");
    }
    ByteBuffer in = ByteBuffer.wrap(leaf).order(ByteOrder.LITTLE_ENDIAN);
    in.position(MAGIC.length);
    ExecutionReceipt.Builder receipt = ExecutionReceipt.newBuilder();
    ResourceLimits.Builder limits = ResourceLimits.newBuilder();
    for (ReceiptField field : ReceiptField.SIGNED) {
      byte[] bytes = readField(in, field.tag, field.protoName());
      Object value;
      if (field.kind == ReceiptField.Kind.STRING) {
        value = fromUtf8(bytes, field.protoName());
      } else {
        if (bytes.length != INTEGER_LENGTH) {
          throw new IllegalArgumentException(
              "receipt field " + field.protoName() + " has " + bytes.length + " bytes, not 8");
        }
        long number = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (field.kind == ReceiptField.Kind.U32 && (number >>> 32) != 0) {
          throw new IllegalArgumentException(
              "receipt field " + field.protoName() + " does not fit in 32 bits");
        }
        value = number;
      }
      field.write(receipt, limits, value);
    }
    // The signature has no tag or length: it is exactly the last 64 bytes.
    if (in.remaining() != SIGNATURE_LENGTH) {
      throw new IllegalArgumentException(
          "receipt has "
              + in.remaining()
              + " bytes after its fields; a log entry ends with exactly the 64-byte signature");
    }
    byte[] signature = new byte[SIGNATURE_LENGTH];
    in.get(signature);
    return receipt.setLimits(limits).setSignature(ByteString.copyFrom(signature)).build();
  }

  /** Returns the receipt's content address: the CID of its {@link #leafBytes}. */
  public static String cid(ExecutionReceipt r) {
    return Cid.of(leafBytes(r));
  }

  private static void writeField(ByteArrayOutputStream out, int tag, byte[] value) {
    out.write(tag);
    int length = value.length;
    out.write(length);
    out.write(length >>> 8);
    out.write(length >>> 16);
    out.write(length >>> 24);
    out.writeBytes(value);
  }

  private static byte[] readField(ByteBuffer in, int tag, String name) {
    if (in.remaining() < 5) {
      throw new IllegalArgumentException("receipt ends before field " + name);
    }
    int found = in.get() & 0xff;
    if (found != tag) {
      throw new IllegalArgumentException(
          String.format(
              "receipt has tag 0x%02x where field %s (tag 0x%02x) belongs", found, name, tag));
    }
    long length = Integer.toUnsignedLong(in.getInt());
    if (length > in.remaining()) {
      throw new IllegalArgumentException(
          "receipt field "
              + name
              + " claims "
              + length
              + " bytes but only "
              + in.remaining()
              + " remain");
    }
    byte[] value = new byte[(int) length];
    in.get(value);
    return value;
  }

  private static byte[] littleEndian(long value) {
    return ByteBuffer.allocate(INTEGER_LENGTH)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(value)
        .array();
  }

  private static byte[] utf8(String value, ReceiptField field) {
    try {
      ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(value));
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "receipt field " + field.protoName() + " is not valid Unicode", e);
    }
  }

  private static String fromUtf8(byte[] bytes, String name) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("receipt field " + name + " is not valid UTF-8", e);
    }
  }
}
