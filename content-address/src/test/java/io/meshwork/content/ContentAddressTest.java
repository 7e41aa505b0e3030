package io.meshwork.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContentAddressTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void base32MatchesRfc4648() {
    String[][] cases = {
      {"", ""},
      {"f", "my"},
      {"fo", "mzxq"},
      {"foo", "mzxw6"},
      {"foob", "mzxw6yq"},
      {"fooba", "mzxw6ytb"},
      {"foobar", "mzxw6ytboi"}
    };
    for (String[] c : cases) {
      byte[] raw = c[0].getBytes(StandardCharsets.US_ASCII);
      assertEquals(c[1], Base32.encode(raw));
      assertArrayEquals(raw, Base32.decode(c[1]));
    }
    Random random = new Random(32);
    for (int n = 0; n < 50; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      assertArrayEquals(data, Base32.decode(Base32.encode(data)));
    }
  }

  @Test
  void base32IsStrict() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Base32.decode("MZXQ"))
            .getMessage()
            .contains("'M'"));
    assertThrows(IllegalArgumentException.class, () -> Base32.decode("mzxq===="));
    assertThrows(IllegalArgumentException.class, () -> Base32.decode("mzx"));
    assertThrows(IllegalArgumentException.class, () -> Base32.decode("mz"));
    assertThrows(IllegalArgumentException.class, () -> Base32.decode("m1"));
  }

  @Test
  void multihashVectors() throws IOException {
    int checked = 0;
    try (InputStream in = getClass().getResourceAsStream("/vectors/multihash/test_cases.csv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        String[] f = line.strip().split(",");
        if (!f[0].equals("sha2-256")) {
          continue;
        }
        // The input column is the text itself, not hex.
        byte[] input = f[2].getBytes(StandardCharsets.US_ASCII);
        byte[] expected = HEX.parseHex(f[3]);
        if (f[1].equals("256")) {
          assertArrayEquals(expected, Multihash.sha256(input), line);
          assertArrayEquals(Multihash.sha256Digest(input), Multihash.digestOf(expected));
          checked++;
        } else {
          // Truncated digests are valid multihashes but never a Meshwork content address.
          assertThrows(IllegalArgumentException.class, () -> Multihash.digestOf(expected), line);
        }
      }
    }
    assertTrue(checked >= 10, "only " + checked + " sha2-256 rows");
  }

  @Test
  void multihashNamesTheProblem() {
    byte[] good = Multihash.sha256(new byte[] {1});
    byte[] sha1 = good.clone();
    sha1[0] = 0x11;
    assertMessage("code 0x11", () -> Multihash.digestOf(sha1));
    byte[] length = good.clone();
    length[1] = 0x10;
    assertMessage("length of 16", () -> Multihash.digestOf(length));
    assertMessage("33 digest bytes", () -> Multihash.digestOf(java.util.Arrays.copyOf(good, 35)));
    assertMessage("too short", () -> Multihash.digestOf(new byte[1]));
  }

  @Test
  void cidOfKnownContent() {
    // The well-known CIDv1 (raw, sha2-256) of the empty block.
    assertEquals(
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", Cid.of(new byte[0]));
    byte[] data = "hello meshwork".getBytes(StandardCharsets.UTF_8);
    String cid = Cid.of(data);
    assertTrue(cid.startsWith("bafkrei"), cid);
    assertEquals(59, cid.length());
    assertArrayEquals(Multihash.sha256Digest(data), Cid.digest(cid));
    assertEquals(cid, Cid.ofDigest(Cid.digest(cid)));
    assertTrue(Cid.matches(cid, data));
    assertFalse(Cid.matches(cid, "hello meshwork!".getBytes(StandardCharsets.UTF_8)));
    assertFalse(Cid.matches("not a cid", data));
  }

  @Test
  void cidParsingNamesTheProblem() {
    byte[] digest = Multihash.sha256Digest(new byte[] {7});
    assertMessage("must start with 'b'", () -> Cid.digest("zQm123"));
    assertMessage("must start with 'b'", () -> Cid.digest(""));
    assertMessage("not valid base32", () -> Cid.digest("bAFK"));
    assertMessage(
        "version",
        () ->
            Cid.digest(
                "b"
                    + Base32.encode(
                        concat(new byte[] {0x00, 0x55}, Multihash.sha256(new byte[0])))));
    assertMessage(
        "codec is 0x71",
        () ->
            Cid.digest(
                "b"
                    + Base32.encode(
                        concat(new byte[] {0x01, 0x71}, Multihash.sha256(new byte[0])))));
    byte[] blake = Multihash.sha256(new byte[0]);
    blake[0] = 0x1e;
    assertMessage(
        "code 0x1e", () -> Cid.digest("b" + Base32.encode(concat(new byte[] {0x01, 0x55}, blake))));
    byte[] truncated = java.util.Arrays.copyOf(Multihash.sha256(new byte[0]), 20);
    assertMessage(
        "digest bytes",
        () -> Cid.digest("b" + Base32.encode(concat(new byte[] {0x01, 0x55}, truncated))));
    assertThrows(IllegalArgumentException.class, () -> Cid.ofDigest(new byte[31]));
    assertEquals(Cid.ofDigest(digest), Cid.of(new byte[] {7}));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void assertMessage(String fragment, Runnable call) {
    var e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
