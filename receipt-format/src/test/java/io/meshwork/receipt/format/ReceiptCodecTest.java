package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.meshwork.content.Cid;
import io.meshwork.content.Multihash;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ReceiptCodecTest {

  @Test
  void signedReceiptVerifies() throws ReceiptException {
    ExecutionReceipt receipt = Receipts.signed();
    assertEquals(64, receipt.getSignature().size());
    ReceiptVerifier.verify(receipt);
  }

  @Test
  void leafBytesRoundTrip() {
    ExecutionReceipt receipt = Receipts.signed();
    byte[] leaf = ReceiptCodec.leafBytes(receipt);
    assertEquals(receipt, ReceiptCodec.fromLeafBytes(leaf));
    byte[] signed = ReceiptCodec.signedBytes(receipt);
    assertArrayEquals(signed, Arrays.copyOf(leaf, signed.length));
    // The signature's raw 64 bytes end the entry.
    assertEquals(signed.length + 64, leaf.length);
    assertArrayEquals(
        receipt.getSignature().toByteArray(), Arrays.copyOfRange(leaf, signed.length, leaf.length));
  }

  @Test
  void cidIsStable() {
    // Ed25519 signatures are deterministic, so a fixed receipt and seed give a fixed CID. If this
    // changes, the encoding changed: every CID in every deployed log would change with it. The
    // same values come out of the Python reference encoder in docs/RECEIPTS.md.
    ExecutionReceipt receipt = Receipts.signed();
    assertEquals(
        "347e57973eada8ae28ec014c27d095a5fd1c462c63921cccb84b0d2e9df05b61",
        HexFormat.of().formatHex(Multihash.sha256Digest(ReceiptCodec.signedBytes(receipt))));
    assertEquals(
        "bafkreiaxwskuo34tndjc5tpzzkmifkpqujg7b4r2xxovau5z6hvbpo5aka", ReceiptCodec.cid(receipt));
    assertEquals(Cid.of(ReceiptCodec.leafBytes(receipt)), ReceiptCodec.cid(receipt));
  }

  @Test
  void flippingAnyByteBreaksDecodeOrVerify() {
    byte[] leaf = ReceiptCodec.leafBytes(Receipts.signed());
    for (int i = 0; i < leaf.length; i++) {
      for (int bit : new int[] {0x01, 0x80}) {
        byte[] tampered = leaf.clone();
        tampered[i] ^= (byte) bit;
        ExecutionReceipt decoded;
        try {
          decoded = ReceiptCodec.fromLeafBytes(tampered);
        } catch (IllegalArgumentException e) {
          continue;
        }
        try {
          ReceiptVerifier.verify(decoded);
          fail("flipping bit " + bit + " of byte " + i + " still verifies");
        } catch (ReceiptException expected) {
          // The tampered receipt decodes but no longer verifies.
        }
      }
    }
  }

  @Test
  void decodingIsStrict() {
    byte[] leaf = ReceiptCodec.leafBytes(Receipts.signed());
    assertMessage("trailing", concat(leaf, new byte[] {0}), "65 bytes after its fields");
    for (int cut = 0; cut < leaf.length; cut += 7) {
      int length = cut;
      assertThrows(
          IllegalArgumentException.class,
          () -> ReceiptCodec.fromLeafBytes(Arrays.copyOf(leaf, length)),
          "truncated to " + length);
    }
    assertMessage("truncated at the end", Arrays.copyOf(leaf, leaf.length - 1), "63 bytes after");
    byte[] badMagic = leaf.clone();
    badMagic[0] = 'M';
    assertMessage("magic", badMagic);
    byte[] unknownTag = leaf.clone();
    unknownTag[ReceiptCodec.MAGIC.length] = 0x7f;
    assertMessage("tag 0x7f where field version", unknownTag);
    // Only signed receipts are log entries.
    assertThrows(IllegalArgumentException.class, () -> ReceiptCodec.leafBytes(Receipts.unsigned()));
    assertThrows(IllegalArgumentException.class, () -> ReceiptCodec.cid(Receipts.unsigned()));
  }

  @Test
  void decodingRejectsOutOfRangeAndInvalidText() {
    byte[] leaf = ReceiptCodec.leafBytes(Receipts.signed());
    // The version value is the 8 bytes after magic, tag and length; make it 2^32.
    byte[] big = leaf.clone();
    big[ReceiptCodec.MAGIC.length + 5 + 4] = 1;
    assertMessage("32 bits", big);
    // The task id follows the version field: tag, length, then "task-0001".
    byte[] badUtf8 = leaf.clone();
    badUtf8[ReceiptCodec.MAGIC.length + 13 + 5] = (byte) 0xff;
    assertMessage("UTF-8", badUtf8);
    ExecutionReceipt surrogate = Receipts.unsigned().toBuilder().setJobId("a\ud800b").build();
    assertThrows(IllegalArgumentException.class, () -> ReceiptCodec.signedBytes(surrogate));
  }

  @Test
  void signatureIsNotPartOfTheSignedBytes() {
    ExecutionReceipt receipt = Receipts.signed();
    assertArrayEquals(
        ReceiptCodec.signedBytes(Receipts.unsigned()), ReceiptCodec.signedBytes(receipt));
    ExecutionReceipt other =
        receipt.toBuilder().setSignature(ByteString.copyFrom(new byte[64])).build();
    assertTrue(!ReceiptCodec.cid(other).equals(ReceiptCodec.cid(receipt)));
  }

  private static void assertMessage(String fragment, byte[] leaf) {
    assertMessage(fragment, leaf, fragment);
  }

  private static void assertMessage(String description, byte[] leaf, String fragment) {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> ReceiptCodec.fromLeafBytes(leaf), description);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
