package io.meshwork.content;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CidDigestTest {
  @Test
  void piecesGiveTheCidOfTheWholeAsStreamingCidDoes() {
    byte[] data = new byte[100_003];
    new Random(7).nextBytes(data);
    CidDigest digest = new CidDigest();
    StreamingCid streaming = new StreamingCid();
    Random cuts = new Random(8);
    for (int at = 0; at < data.length; ) {
      int n = Math.min(data.length - at, cuts.nextInt(5000));
      digest.update(data, at, n);
      streaming.update(data, at, n);
      at += n;
    }
    assertEquals(data.length, digest.length());
    assertEquals(Cid.of(data), digest.cid());
    assertEquals(streaming.cid(), Cid.of(data));
  }

  @Test
  void nothingAddedIsTheCidOfNoBytes() {
    assertEquals(Cid.of(new byte[0]), new CidDigest().cid());
  }
}
