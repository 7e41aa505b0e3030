package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The tlog-proof text format: exact layout, round trip and strict reading. */
class ProofBundleTest {
  private static final String NOTE =
      "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 example.com/log abc=\n";

  @Test
  void writesTheSpecifiedLayoutAndReadsItBack() {
    byte[] h1 = new byte[32];
    byte[] h2 = new byte[32];
    h2[0] = 1;
    ProofBundle b = new ProofBundle(2, List.of(h1, h2), NOTE);

    String text = b.text();

    assertEquals(
        "c2sp.org/tlog-proof@v1\nindex 2\n"
            + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
            + "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
            + NOTE,
        text);
    ProofBundle back = ProofBundle.parse(text);
    assertEquals(2, back.index());
    assertEquals(2, back.path().size());
    assertArrayEquals(h2, back.path().get(1));
    assertEquals(NOTE, back.checkpoint());
  }

  @Test
  void anEmptyPathAndAnExtraLineAreAccepted() {
    ProofBundle b = ProofBundle.parse("c2sp.org/tlog-proof@v1\nextra AAEC\nindex 0\n\n" + NOTE);
    assertEquals(0, b.index());
    assertEquals(0, b.path().size());
    assertArrayEquals(new byte[] {0, 1, 2}, b.extra().orElseThrow());
    assertEquals("c2sp.org/tlog-proof@v1\nextra AAEC\nindex 0\n\n" + NOTE, b.text());
  }

  @Test
  void refusesMalformedBundles() {
    String ok = "c2sp.org/tlog-proof@v1\nindex 1\n\n" + NOTE;
    ProofBundle.parse(ok);
    for (String bad :
        List.of(
            ok.replace("@v1", "@v2"),
            ok.replace("index 1", "index 01"),
            ok.replace("index 1", "index -1"),
            ok.replace("index 1", "idx 1"),
            ok.replace("index 1\n", "index 1\nAAAA\n"),
            ok.replace("index 1\n", "index 1\n!!!!\n"),
            ok.replace("index 1\n", "index 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n"),
            "c2sp.org/tlog-proof@v1\nextra AB==\nindex 1\n\n" + NOTE,
            "c2sp.org/tlog-proof@v1\nindex 1\n\n")) {
      assertThrows(IllegalArgumentException.class, () -> ProofBundle.parse(bad), bad);
    }
  }
}
