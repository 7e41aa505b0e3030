package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Fuzzes the frame-list decoder with any bytes: it either returns frames that encode back to
 * exactly those bytes, or refuses them with the {@link IllegalArgumentException} its contract
 * names; nothing else escapes.
 */
class FrameListFuzzTest {

  @FuzzTest
  void decodesOrRefusesAnyBytes(byte[] bytes) {
    List<byte[]> frames;
    try {
      frames = FrameList.decode(bytes);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertArrayEquals(bytes, FrameList.encode(frames));
    long total = 0;
    for (byte[] frame : frames) {
      total += 4 + frame.length;
    }
    assertEquals(bytes.length, total);
  }
}
