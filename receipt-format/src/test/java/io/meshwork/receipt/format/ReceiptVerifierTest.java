package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.identity.DidKey;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ReceiptVerifierTest {
  /** The order of the Ed25519 base point, 2^252 + 27742317777372353535851937790883648493. */
  private static final BigInteger GROUP_ORDER =
      BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));

  /**
   * A verifier that remembers keys, used beside the one-off {@link ReceiptVerifier#verify} in every
   * check below; it has already validated the keys of the executors the tests use, so a refusal
   * cannot come from validating the key afresh.
   */
  private static final ReceiptVerifier REMEMBERING = ReceiptVerifier.rememberingKeys(16);

  static {
    try {
      REMEMBERING.verifiedLeaf(Receipts.signed());
    } catch (ReceiptException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void acceptsTheVectorAndReturnsItsLeafBytes() throws ReceiptException {
    ReceiptVerifier.verify(Receipts.signed());
    assertArrayEquals(
        ReceiptCodec.leafBytes(Receipts.signed()), REMEMBERING.verifiedLeaf(Receipts.signed()));
  }

  @Test
  void refusesOtherVersions() {
    assertCheck("version", resign(b -> b.setVersion(2)));
    assertCheck("version", Receipts.signed().toBuilder().setVersion(0).build());
  }

  @Test
  void requiresTheKeyFields() {
    assertCheck("missing-field", "task_id", resign(b -> b.setTaskId("")));
    assertCheck("missing-field", "module_cid", resign(b -> b.setModuleCid("")));
    assertCheck("missing-field", "input_cid", resign(b -> b.setInputCid("")));
    assertCheck("missing-field", "output_cid", resign(b -> b.setOutputCid("")));
    assertCheck("missing-field", "engine", resign(b -> b.setEngine("")));
    assertCheck(
        "missing-field", "executor_did", Receipts.signed().toBuilder().setExecutorDid("").build());
  }

  @Test
  void requiresADidKeyExecutor() {
    assertCheck(
        "executor-did",
        Receipts.signed().toBuilder().setExecutorDid("did:web:example.com").build());
  }

  @Test
  void checksTheSignature() {
    assertCheck("signature-length", Receipts.unsigned());
    assertCheck(
        "signature-length",
        Receipts.signed().toBuilder().setSignature(ByteString.copyFrom(new byte[63])).build());
    assertCheck("signature", Receipts.signed().toBuilder().setFuelUsed(1).build());
    assertCheck(
        "signature",
        Receipts.signed().toBuilder()
            .setLimits(Receipts.unsigned().getLimits().toBuilder().setFuel(2))
            .build());
    assertCheck("signature", Receipts.signed().toBuilder().setExportName("merge").build());
    // Signed by someone else while naming the executor.
    Identity mallory = Identity.generate();
    ExecutionReceipt forged =
        ReceiptSigner.sign(
                Receipts.unsigned().toBuilder().setExecutorDid(mallory.did()).build(), mallory)
            .toBuilder()
            .setExecutorDid(Receipts.EXECUTOR.did())
            .build();
    assertCheck("signature", forged);
  }

  @Test
  void refusesANonCanonicalSignature() {
    // S + L satisfies the verification equation just as S does; RFC 8032 demands S < L, so that
    // a receipt has one signature and one CID per signer.
    byte[] signature = Receipts.signed().getSignature().toByteArray();
    BigInteger s = new BigInteger(1, reversed(Arrays.copyOfRange(signature, 32, 64)));
    // S + L is below 2^253, so it still fits the 32 bytes of the encoding.
    byte[] bigEndian = s.add(GROUP_ORDER).toByteArray();
    byte[] malleated = Arrays.copyOf(signature, 64);
    Arrays.fill(malleated, 32, 64, (byte) 0);
    for (int i = 0; i < bigEndian.length; i++) {
      malleated[32 + i] = bigEndian[bigEndian.length - 1 - i];
    }
    assertCheck(
        "signature",
        Receipts.signed().toBuilder().setSignature(ByteString.copyFrom(malleated)).build());
  }

  @Test
  void refusesSmallOrderKeys() {
    // The eight points of order 1, 2, 4 and 8. With one of them as key A, a signature with S = 0
    // and R = -[k]A (itself one of them) satisfies [S]B = R + [k]A, for any message once k mod 8
    // fits: one signature for many messages, which strict verification must refuse.
    HexFormat hex = HexFormat.of();
    String[] smallOrder = {
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"
    };
    for (String key : smallOrder) {
      for (String r : smallOrder) {
        byte[] signature = new byte[64];
        System.arraycopy(hex.parseHex(r), 0, signature, 0, 32);
        ExecutionReceipt receipt =
            Receipts.unsigned().toBuilder()
                .setExecutorDid(DidKey.fromPublicKey(hex.parseHex(key)))
                .setSignature(ByteString.copyFrom(signature))
                .build();
        // Twice: a refused key must not be remembered as valid either.
        assertCheck("signature", receipt);
        assertCheck("signature", receipt);
      }
    }
  }

  @Test
  void refusesAKeyOutsideThePrimeOrderSubgroup() {
    // A' = A + (0, -1), the executor's key plus the point of order 2, is the point (-x, -y): on
    // the curve and not of small order, so decoding accepts it, but its order is twice the
    // group's. The executor can sign so that a verifier that only decodes the key accepts.
    byte[] mixed = plusPointOfOrderTwo(Receipts.EXECUTOR.publicKey());
    var decodedOnly =
        org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartialExport(mixed, 0);
    assertTrue(decodedOnly != null);
    for (int chunk = 0; ; chunk++) {
      ExecutionReceipt unsigned =
          Receipts.unsigned().toBuilder()
              .setExecutorDid(DidKey.fromPublicKey(mixed))
              .setChunkIndex(chunk)
              .build();
      byte[] message = ReceiptCodec.signedBytes(unsigned);
      byte[] signature = new byte[64];
      org.bouncycastle.math.ec.rfc8032.Ed25519.sign(
          Receipts.sequence(0), 0, mixed, 0, message, 0, message.length, signature, 0);
      // [S]B = R + [k]A' holds when k is even, for about every second message.
      if (org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
          signature, 0, decodedOnly, message, 0, message.length)) {
        ExecutionReceipt receipt =
            unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
        assertCheck("signature", receipt);
        assertCheck("signature", receipt);
        return;
      }
      assertTrue(chunk < 64, "no message with an even k among 64");
    }
  }

  @Test
  void signerRefusesReceiptsItCannotVouchFor() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReceiptSigner.sign(Receipts.unsigned(), Receipts.ORCHESTRATOR));
    assertTrue(e.getMessage().contains("executor_did"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ReceiptSigner.sign(
                Receipts.unsigned().toBuilder().setVersion(0).build(), Receipts.EXECUTOR));
  }

  private static ExecutionReceipt resign(UnaryOperator<ExecutionReceipt.Builder> change) {
    ExecutionReceipt changed = change.apply(Receipts.unsigned().toBuilder()).build();
    byte[] signature = Receipts.EXECUTOR.sign(ReceiptCodec.signedBytes(changed));
    return changed.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  private static void assertCheck(String check, ExecutionReceipt receipt) {
    assertCheck(check, "", receipt);
  }

  private static void assertCheck(String check, String fragment, ExecutionReceipt receipt) {
    ReceiptException e =
        assertThrows(ReceiptException.class, () -> ReceiptVerifier.verify(receipt));
    assertEquals(check, e.check(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    ReceiptException remembering =
        assertThrows(ReceiptException.class, () -> REMEMBERING.verifiedLeaf(receipt));
    assertEquals(check, remembering.check(), remembering.getMessage());
    assertEquals(e.getMessage(), remembering.getMessage());
  }

  /** The encoding of (-x, -y) for the key (x, y): y becomes p - y and the sign of x flips. */
  private static byte[] plusPointOfOrderTwo(byte[] key) {
    BigInteger p = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    byte[] yBytes = reversed(key);
    boolean xOdd = (yBytes[0] & 0x80) != 0;
    yBytes[0] &= 0x7f;
    BigInteger negatedY = p.subtract(new BigInteger(1, yBytes));
    byte[] out = new byte[32];
    byte[] bigEndian = negatedY.toByteArray();
    for (int i = 0; i < Math.min(32, bigEndian.length); i++) {
      out[i] = bigEndian[bigEndian.length - 1 - i];
    }
    if (!xOdd) {
      out[31] |= (byte) 0x80;
    }
    return out;
  }

  private static byte[] reversed(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[bytes.length - 1 - i];
    }
    return out;
  }
}
