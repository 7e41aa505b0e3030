package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Ed25519Test {
  private static final HexFormat HEX = HexFormat.of();

  /** RFC 8032 section 7.1, TEST 1 (empty message). */
  @Test
  void matchesRfc8032TestVector() {
    Identity identity =
        Identity.fromSeed(
            HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    byte[] expectedPublic =
        HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    byte[] expectedSignature =
        HEX.parseHex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assertArrayEquals(expectedPublic, identity.publicKey());
    assertArrayEquals(expectedSignature, identity.sign(new byte[0]));
    assertTrue(Ed25519.verify(expectedPublic, new byte[0], expectedSignature));
  }

  @Test
  void signAndVerify() {
    Identity identity = Identity.generate();
    byte[] message = "run chunk 7".getBytes(StandardCharsets.UTF_8);
    byte[] signature = identity.sign(message);
    assertEquals(64, signature.length);
    assertTrue(Ed25519.verify(identity.publicKey(), message, signature));
    assertFalse(Ed25519.verify(Identity.generate().publicKey(), message, signature));
    assertFalse(
        Ed25519.verify(
            identity.publicKey(), "run chunk 8".getBytes(StandardCharsets.UTF_8), signature));
  }

  @Test
  void everyTamperedSignatureByteFails() {
    Identity identity = Identity.fromSeed(new byte[32]);
    byte[] message = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] signature = identity.sign(message);
    for (int i = 0; i < signature.length; i++) {
      byte[] tampered = signature.clone();
      tampered[i] ^= 0x01;
      assertFalse(Ed25519.verify(identity.publicKey(), message, tampered), "byte " + i);
    }
  }

  @Test
  void wrongLengthsAndNullsAreFalseNotExceptions() {
    Identity identity = Identity.generate();
    byte[] message = {1, 2, 3};
    byte[] signature = identity.sign(message);
    assertFalse(Ed25519.verify(new byte[31], message, signature));
    assertFalse(Ed25519.verify(identity.publicKey(), message, new byte[63]));
    assertFalse(Ed25519.verify(identity.publicKey(), message, new byte[65]));
    assertFalse(Ed25519.verify(null, message, signature));
    assertFalse(Ed25519.verify(identity.publicKey(), null, signature));
    assertFalse(Ed25519.verify(identity.publicKey(), message, null));
    byte[] notOnCurve = new byte[32];
    notOnCurve[0] = 2;
    assertFalse(Ed25519.verify(notOnCurve, message, signature));
  }

  @Test
  void rejectsNonCanonicalScalar() {
    Identity identity = Identity.generate();
    byte[] message = {42};
    byte[] signature = identity.sign(message);
    BigInteger order =
        BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    byte[] sLittle = java.util.Arrays.copyOfRange(signature, 32, 64);
    BigInteger s = new BigInteger(1, reverse(sLittle)).add(order);
    byte[] sPlusL = reverse(toFixed(s, 32));
    byte[] malleated = signature.clone();
    System.arraycopy(sPlusL, 0, malleated, 32, 32);
    assertFalse(Ed25519.verify(identity.publicKey(), message, malleated));
  }

  @Test
  void rejectsSmallOrderKey() {
    // With the neutral point as key, R = neutral and S = 0 satisfies the verification
    // equation for every message; a strict verifier must refuse the key itself.
    byte[] neutral = new byte[32];
    neutral[0] = 1;
    byte[] signature = new byte[64];
    signature[0] = 1;
    assertFalse(Ed25519.verify(neutral, "anything".getBytes(StandardCharsets.UTF_8), signature));
  }

  private static byte[] reverse(byte[] in) {
    byte[] out = new byte[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = in[in.length - 1 - i];
    }
    return out;
  }

  private static byte[] toFixed(BigInteger value, int length) {
    byte[] raw = value.toByteArray();
    byte[] out = new byte[length];
    int copy = Math.min(raw.length, length);
    System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
    return out;
  }
}
