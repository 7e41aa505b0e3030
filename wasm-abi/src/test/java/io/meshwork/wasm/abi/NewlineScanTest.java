package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Checks the word-at-a-time newline search against a plain byte loop. */
class NewlineScanTest {

  @Test
  void findsTheSameNewlinesAsAByteLoop() {
    Random random = new Random(11);
    // Bytes next to '\n' in value (and with the top bit set) are the ones a wrong bit trick flags.
    byte[] alphabet = {'\n', 0x0B, 0x09, 0x08, (byte) 0x8A, (byte) 0xFF, 0x00, 'a', 0x1A, 0x7F};
    for (int round = 0; round < 20_000; round++) {
      byte[] block = new byte[random.nextInt(40)];
      int density = 1 + random.nextInt(10);
      for (int i = 0; i < block.length; i++) {
        block[i] =
            random.nextInt(density) == 0
                ? (byte) '\n'
                : alphabet[1 + random.nextInt(alphabet.length - 1)];
      }
      int from = random.nextInt(block.length + 1);
      int to = from + random.nextInt(block.length - from + 1);
      assertEquals(firstByLoop(block, from, to), NewlineScan.next(block, from, to));
      assertEquals(lastByLoop(block, from, to), NewlineScan.last(block, from, to));
    }
  }

  private static int firstByLoop(byte[] block, int from, int to) {
    for (int i = from; i < to; i++) {
      if (block[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static int lastByLoop(byte[] block, int from, int to) {
    for (int i = to - 1; i >= from; i--) {
      if (block[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
