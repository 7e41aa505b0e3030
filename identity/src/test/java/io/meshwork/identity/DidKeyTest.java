package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DidKeyTest {

  private static JsonObject vectors() throws IOException {
    try (InputStream in =
        DidKeyTest.class.getResourceAsStream("/vectors/did-key/ed25519-x25519.json")) {
      return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .getAsJsonObject();
    }
  }

  @Test
  void publishedVectorsMapKeysToDidsAndBack() throws IOException {
    JsonObject vectors = vectors();
    assertEquals(5, vectors.size());
    for (var entry : vectors.entrySet()) {
      String did = entry.getKey();
      JsonObject vector = entry.getValue().getAsJsonObject();
      JsonObject pair = vector.getAsJsonObject("verificationKeyPair");
      // Most vectors give the key in base58, the last one as a JWK.
      byte[] publicKey =
          pair.has("publicKeyBase58")
              ? Base58.decode(pair.get("publicKeyBase58").getAsString())
              : Base64.getUrlDecoder()
                  .decode(pair.getAsJsonObject("publicKeyJwk").get("x").getAsString());
      assertEquals(32, publicKey.length);

      assertEquals(did, DidKey.fromPublicKey(publicKey), did);
      assertArrayEquals(publicKey, DidKey.publicKey(did), did);
      assertTrue(DidKey.isDidKey(did));
      assertTrue(did.startsWith("did:key:z6Mk"));

      Identity identity =
          Identity.fromSeed(HexFormat.of().parseHex(vector.get("seed").getAsString()));
      assertEquals(did, identity.did(), "seed of " + did);
      assertArrayEquals(publicKey, identity.publicKey());
    }
  }

  @Test
  void base58RoundTripsIncludingLeadingZeros() {
    Random random = new Random(58);
    for (int length = 0; length < 80; length++) {
      byte[] data = new byte[length];
      random.nextBytes(data);
      if (length > 2) {
        data[0] = 0;
        data[1] = 0;
      }
      assertArrayEquals(data, Base58.decode(Base58.encode(data)));
    }
    assertEquals("", Base58.encode(new byte[0]));
    assertEquals("11", Base58.encode(new byte[2]));
    assertEquals(
        "StV1DL6CwTryKyV", Base58.encode("hello world".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void base58NamesTheBadCharacter() {
    var e = assertThrows(IllegalArgumentException.class, () -> Base58.decode("abc0def"));
    assertTrue(e.getMessage().contains("'0'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Base58.decode("abcIdef"));
    assertThrows(IllegalArgumentException.class, () -> Base58.decode("abc\u00e9"));
  }

  @Test
  void rejectsMalformedDidsNamingTheProblem() {
    String good = Identity.fromSeed(new byte[32]).did();
    assertMessage("not a did:key", "did:web:example.com");
    assertMessage("base58btc", "did:key:u" + good.substring(9));
    assertMessage("base58btc", "did:key:");
    assertMessage("not valid base58btc", "did:key:z6Mk0");
    byte[] secp = new byte[35];
    secp[0] = (byte) 0xe7;
    secp[1] = 0x01;
    assertMessage("multicodec", "did:key:z" + Base58.encode(secp));
    byte[] shortKey = new byte[20];
    shortKey[0] = (byte) 0xed;
    shortKey[1] = 0x01;
    assertMessage("key length", "did:key:z" + Base58.encode(shortKey));
    assertFalse(DidKey.isDidKey(null));
    assertFalse(DidKey.isDidKey(good + "1"));
    assertThrows(IllegalArgumentException.class, () -> DidKey.fromPublicKey(new byte[31]));
  }

  private static void assertMessage(String fragment, String did) {
    var e = assertThrows(IllegalArgumentException.class, () -> DidKey.publicKey(did));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertFalse(DidKey.isDidKey(did));
  }
}
