package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ResourceLimits;

/**
 * Fuzzes the receipt codec. Any bytes either decode to a receipt whose encoding is exactly those
 * bytes (one encoding per receipt), or are refused with the {@link IllegalArgumentException} the
 * codec documents; a decoded receipt then verifies or fails with a {@link ReceiptException}. And a
 * receipt with fields from the fuzz data, signed, encodes and decodes back to itself, verifies, and
 * stops verifying (or decoding) once any byte of its encoding changes.
 */
class ReceiptCodecFuzzTest {

  @FuzzTest
  void decodesOnlyCanonicalReceipts(FuzzedDataProvider data) {
    if (data.consumeBoolean()) {
      decodeAnyBytes(data.consumeRemainingAsBytes());
    } else {
      roundTripAndTamper(data);
    }
  }

  private static void decodeAnyBytes(byte[] bytes) {
    ExecutionReceipt receipt;
    try {
      receipt = ReceiptCodec.fromLeafBytes(bytes);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertArrayEquals(bytes, ReceiptCodec.leafBytes(receipt));
    try {
      ReceiptVerifier.verify(receipt);
    } catch (ReceiptException failed) {
      return;
    }
  }

  private static void roundTripAndTamper(FuzzedDataProvider data) {
    ExecutionReceipt unsigned =
        Receipts.unsigned().toBuilder()
            .setTaskId(data.consumeString(40))
            .setJobId(data.consumeString(40))
            .setExportName(data.consumeString(10))
            .setFuelUsed(data.consumeLong())
            .setChunkIndex(data.consumeInt())
            .setLimits(
                ResourceLimits.newBuilder()
                    .setFuel(data.consumeLong())
                    .setMemoryBytes(data.consumeLong())
                    .setWallTimeMs(data.consumeInt())
                    .setStackBytes(data.consumeLong())
                    .setMaxOutputBytes(data.consumeLong()))
            .setStartedAt(data.consumeLong())
            .setFinishedAt(data.consumeLong())
            .build();
    ExecutionReceipt signed;
    try {
      signed = ReceiptSigner.sign(unsigned, Receipts.EXECUTOR);
    } catch (IllegalArgumentException notUnicode) {
      // A string with an unpaired surrogate has no UTF-8 encoding: documented.
      assertThrows(IllegalArgumentException.class, () -> ReceiptCodec.signedBytes(unsigned));
      return;
    }
    byte[] leaf = ReceiptCodec.leafBytes(signed);
    ExecutionReceipt decoded = ReceiptCodec.fromLeafBytes(leaf);
    assertEquals(signed, decoded);
    try {
      ReceiptVerifier.verify(decoded);
    } catch (ReceiptException e) {
      // Out-of-range values (a negative fuel, a start after the finish) are the verifier's to
      // refuse; the codec carried them faithfully.
    }
    int position = data.consumeInt(0, leaf.length - 1);
    byte flip = (byte) data.consumeInt(1, 255);
    byte[] tampered = leaf.clone();
    tampered[position] ^= flip;
    ExecutionReceipt changed;
    try {
      changed = ReceiptCodec.fromLeafBytes(tampered);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertThrows(ReceiptException.class, () -> ReceiptVerifier.verify(changed));
  }
}
