package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ValidatedKeysTest {
  private static final byte[] MESSAGE = "settle task 3".getBytes(StandardCharsets.UTF_8);

  @Test
  void aRememberedKeyChecksExactlyWhatEd25519VerifyChecks() {
    ValidatedKeys keys = new ValidatedKeys(8);
    Identity signer = Identity.generate();
    byte[] signature = signer.sign(MESSAGE);
    ValidatedKeys.Key key = keys.forDid(signer.did());
    assertNotNull(key);
    assertSame(key, keys.forDid(signer.did()), "validated once, then remembered");
    assertTrue(key.verify(signature, 0, MESSAGE, MESSAGE.length));
    for (int i = 0; i < signature.length; i++) {
      byte[] tampered = signature.clone();
      tampered[i] ^= 0x01;
      assertFalse(key.verify(tampered, 0, MESSAGE, MESSAGE.length), "signature byte " + i);
      assertFalse(Ed25519.verify(signer.publicKey(), MESSAGE, tampered), "signature byte " + i);
    }
    // Only the first messageLength bytes are signed, and the signature may sit at an offset.
    byte[] longer = new byte[MESSAGE.length + 64];
    System.arraycopy(MESSAGE, 0, longer, 0, MESSAGE.length);
    System.arraycopy(signature, 0, longer, MESSAGE.length, 64);
    assertTrue(key.verify(longer, MESSAGE.length, longer, MESSAGE.length));
    assertFalse(key.verify(longer, MESSAGE.length, longer, MESSAGE.length + 1));
    assertFalse(key.verify(signature, 1, MESSAGE, MESSAGE.length), "short signature");
    assertFalse(key.verify(signature, 0, MESSAGE, MESSAGE.length + 1), "length past the end");
    assertFalse(key.verify(null, 0, MESSAGE, MESSAGE.length));
  }

  @Test
  void aSmallOrderKeyIsRefusedEveryTimeAndNeverRemembered() {
    ValidatedKeys keys = new ValidatedKeys(8);
    byte[] neutral = new byte[32];
    neutral[0] = 1;
    String did = DidKey.fromPublicKey(neutral);
    assertNull(keys.forDid(did));
    assertNull(keys.forDid(did));
  }

  @Test
  void notADidKeyIsAnArgumentError() {
    ValidatedKeys keys = new ValidatedKeys(8);
    assertThrows(IllegalArgumentException.class, () -> keys.forDid("did:web:example.com"));
  }

  @Test
  void pastItsCapacityTheMemoryStartsOverAndStillAnswersRightly() {
    ValidatedKeys keys = new ValidatedKeys(2);
    Identity[] signers = {Identity.generate(), Identity.generate(), Identity.generate()};
    for (int round = 0; round < 3; round++) {
      for (Identity s : signers) {
        assertTrue(keys.forDid(s.did()).verify(s.sign(MESSAGE), 0, MESSAGE, MESSAGE.length));
      }
    }
    ValidatedKeys none = new ValidatedKeys(0);
    Identity s = signers[0];
    assertTrue(none.forDid(s.did()).verify(s.sign(MESSAGE), 0, MESSAGE, MESSAGE.length));
  }
}
