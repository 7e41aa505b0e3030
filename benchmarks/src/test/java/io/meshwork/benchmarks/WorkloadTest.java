package io.meshwork.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plain-Java references are the oracle for every engine, so they are checked by hand here. */
class WorkloadTest {

  @Test
  void wordsAreRunsOfNonWhiteSpace() {
    assertEquals("0", ascii(Workload.countWords(ascii(""))));
    assertEquals("4", ascii(Workload.countWords(ascii("  one\ttwo\n\u000bthree\f\rfour "))));
  }

  @Test
  void matrixProductWrapsAtThirtyTwoBits() {
    // A = [[1, 2], [3, Integer.MAX_VALUE]] (2 x 2), B = [[5], [2]] (2 x 1).
    ByteBuffer input = ByteBuffer.allocate(12 + 4 * 6).order(ByteOrder.LITTLE_ENDIAN);
    input.putInt(2).putInt(2).putInt(1);
    input.putInt(5).putInt(2);
    input.putInt(1).putInt(2).putInt(3).putInt(Integer.MAX_VALUE);
    ByteBuffer output =
        ByteBuffer.wrap(Workload.multiply(input.array())).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(9, output.getInt());
    assertEquals(15 + 2 * Integer.MAX_VALUE, output.getInt());
    assertEquals(0, output.remaining());
  }

  @Test
  void generatedInputsHaveTheirSizesAndAreTheSameEveryTime() {
    assertEquals(1 << 20, Workload.text(1 << 20).length);
    assertArrayEquals(Workload.text(5000), Workload.text(5000));
    assertEquals(12 + 4 * 2 * 128 * 128, Workload.matrices(128, 128, 128).length);
  }

  @Test
  void sha256IsTheStandardOne() {
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        HexFormat.of().formatHex(Workload.sha256Digest(ascii("abc"))));
  }

  @Test
  void jsonReadsWhatItWrites() {
    Map<?, ?> parsed =
        (Map<?, ?>)
            Json.parse(
                Json.write(Map.of("a", List.of(1.5, 2.0), "b", "x\"\n\ty", "c", Double.NaN)));
    assertEquals(List.of(1.5, 2.0), parsed.get("a"));
    assertEquals("x\"\n\ty", parsed.get("b"));
    assertEquals(null, parsed.get("c"));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.US_ASCII);
  }
}
