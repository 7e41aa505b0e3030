package io.meshwork.wasm.abi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameListTest {

  @Test
  void emptyListIsZeroBytes() {
    assertEquals(0, FrameList.encode(List.of()).length);
    assertTrue(FrameList.decode(new byte[0]).isEmpty());
  }

  @Test
  void encodesLittleEndianLengthThenBytes() {
    byte[] encoded = FrameList.encode(List.of("ab".getBytes(UTF_8), new byte[0]));
    assertArrayEquals(new byte[] {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0}, encoded);
  }

  @Test
  void decodesWhatItEncodes() {
    Random random = new Random(42);
    for (int round = 0; round < 50; round++) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = random.nextInt(6); i > 0; i--) {
        byte[] frame = new byte[random.nextInt(300)];
        random.nextBytes(frame);
        frames.add(frame);
      }
      List<byte[]> decoded = FrameList.decode(FrameList.encode(frames));
      assertEquals(frames.size(), decoded.size());
      for (int i = 0; i < frames.size(); i++) {
        assertArrayEquals(frames.get(i), decoded.get(i));
      }
    }
  }

  @Test
  void refusesTruncatedLength() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> FrameList.decode(new byte[] {1, 0, 0, 0, 9, 3}));
    assertTrue(e.getMessage().contains("frame 1 at offset 5"), e.getMessage());
  }

  @Test
  void refusesTruncatedBody() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> FrameList.decode(new byte[] {5, 0, 0, 0, 1, 2}));
    assertTrue(e.getMessage().contains("declares 5 bytes but only 2 remain"), e.getMessage());
  }

  @Test
  void lengthIsUnsigned() {
    // 0xFFFFFFFF must read as 4 GiB (truncated), not as -1.
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> FrameList.decode(new byte[] {-1, -1, -1, -1, 0}));
    assertTrue(e.getMessage().contains("4294967295"), e.getMessage());
  }
}
