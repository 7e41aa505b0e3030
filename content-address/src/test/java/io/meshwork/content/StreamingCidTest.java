package io.meshwork.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamingCidTest {
  @Test
  void piecesGiveTheCidOfTheWhole() {
    byte[] data = new byte[100_003];
    new Random(7).nextBytes(data);
    StreamingCid cid = new StreamingCid();
    Random cuts = new Random(8);
    int at = 0;
    while (at < data.length) {
      int n = Math.min(data.length - at, cuts.nextInt(5000));
      cid.update(data, at, n);
      at += n;
    }
    assertEquals(Cid.of(data), cid.cid());
    assertEquals(data.length, cid.length());
  }

  @Test
  void aSavedStateContinuesWhereItStopped() {
    byte[] data = new byte[70_000];
    new Random(9).nextBytes(data);
    for (int cut : new int[] {0, 1, 63, 64, 65, 4096, 69_999, 70_000}) {
      StreamingCid first = new StreamingCid().update(ByteBuffer.wrap(data, 0, cut));
      byte[] saved = first.state();
      StreamingCid resumed = StreamingCid.resume(saved);
      assertEquals(cut, resumed.length());
      resumed.update(
          ByteBuffer.allocateDirect(data.length - cut).put(data, cut, data.length - cut).flip());
      assertEquals(Cid.of(data), resumed.cid(), "cut at " + cut);
    }
  }

  @Test
  void readingTheCidDoesNotEndTheStream() {
    StreamingCid cid = new StreamingCid().update(new byte[] {1, 2}, 0, 2);
    assertEquals(Cid.of(new byte[] {1, 2}), cid.cid());
    cid.update(new byte[] {3}, 0, 1);
    assertEquals(Cid.of(new byte[] {1, 2, 3}), cid.cid());
    assertEquals(Cid.of(new byte[0]), new StreamingCid().cid());
  }

  @Test
  void somethingElseIsNotAState() {
    assertThrows(IllegalArgumentException.class, () -> StreamingCid.resume(new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> StreamingCid.resume(new byte[] {9, 0, 0}));
    byte[] bad = new StreamingCid().state();
    bad[0] = 2;
    assertThrows(IllegalArgumentException.class, () -> StreamingCid.resume(bad));
  }
}
