package io.meshwork.receipt.format;

import com.google.protobuf.ByteString;
import io.meshwork.content.Cid;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ResourceLimits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

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

  /** A field's tag byte and its u32 length. */
  private static final int FIELD_HEADER_LENGTH = 5;

  private ReceiptCodec() {}

  /**
   * Returns the bytes an executor signs: the canonical encoding of every field but the signature.
   *
   * @throws IllegalArgumentException if a string field is not valid Unicode (an unpaired
   *     surrogate), which has no UTF-8 encoding
   */
  public static byte[] signedBytes(ExecutionReceipt r) {
    return encode(r, 0);
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
    // Encoded straight into an array with room for the signature, so the signed bytes are
    // neither copied nor encoded a second time.
    byte[] leaf = encode(r, SIGNATURE_LENGTH);
    r.getSignature().copyTo(leaf, leaf.length - SIGNATURE_LENGTH);
    return leaf;
  }

  /**
   * Encodes the signed fields into a new array of their exact length plus {@code spare} bytes at
   * the end, left zero for the caller.
   */
  private static byte[] encode(ExecutionReceipt r, int spare) {
    List<ReceiptField> fields = ReceiptField.SIGNED;
    // Strings are converted first because their lengths decide the array's size.
    byte[][] strings = new byte[fields.size()][];
    int length = MAGIC.length;
    for (int i = 0; i < fields.size(); i++) {
      ReceiptField field = fields.get(i);
      if (field.kind == ReceiptField.Kind.STRING) {
        strings[i] = utf8((String) field.read(r), field);
        length += FIELD_HEADER_LENGTH + strings[i].length;
      } else {
        length += FIELD_HEADER_LENGTH + INTEGER_LENGTH;
      }
    }
    byte[] out = new byte[length + spare];
    ByteBuffer buffer = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put(MAGIC);
    for (int i = 0; i < fields.size(); i++) {
      ReceiptField field = fields.get(i);
      buffer.put((byte) field.tag);
      if (strings[i] != null) {
        buffer.putInt(strings[i].length).put(strings[i]);
      } else {
        buffer.putInt(INTEGER_LENGTH).putLong((Long) field.read(r));
      }
    }
    return out;
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

  private static byte[] utf8(String value, ReceiptField field) {
    // String.getBytes would silently replace an unpaired surrogate, so only a string without
    // surrogates takes that fast path; the rest go through the strict encoder.
    for (int i = 0; i < value.length(); i++) {
      if (Character.isSurrogate(value.charAt(i))) {
        return strictUtf8(value, field);
      }
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] strictUtf8(String value, ReceiptField field) {
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
