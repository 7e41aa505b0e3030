package io.meshwork.sandbox.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import org.junit.jupiter.api.Test;

/** The sandbox's linear memory: WebAssembly's bounds, the cap, and growth. */
class SandboxMemoryTest {

  private static final int PAGE = Memory.PAGE_SIZE;

  @Test
  void accessesEndingPastTheSizeTrapEvenWhereTheArrayHasRoom() {
    SandboxMemory memory = new SandboxMemory(1, 100, 100);
    assertEquals(1, memory.grow(1)); // the array now has room past the two pages
    memory.writeI32(2 * PAGE - 4, 7);
    assertEquals(7, memory.readInt(2 * PAGE - 4));
    assertThrows(WasmRuntimeException.class, () -> memory.readInt(2 * PAGE - 3));
    assertThrows(WasmRuntimeException.class, () -> memory.writeLong(2 * PAGE - 7, 1));
    assertThrows(WasmRuntimeException.class, () -> memory.read(2 * PAGE));
    assertThrows(WasmRuntimeException.class, () -> memory.readBytes(2 * PAGE - 1, 2));
    // An address past 2^31 arrives negative.
    assertThrows(WasmRuntimeException.class, () -> memory.readShort(-2));
    assertThrows(WasmRuntimeException.class, () -> memory.fill((byte) 1, 0, 2 * PAGE + 1));
  }

  @Test
  void growStopsAtTheDeclaredMaximumTheSpecsWayAndAtTheCapLoudly() {
    SandboxMemory declared = new SandboxMemory(1, 3, 10);
    assertEquals(1, declared.grow(2));
    assertEquals(-1, declared.grow(1));
    assertEquals(-1, declared.grow(-1)); // the operand is unsigned: 2^32 - 1 pages
    assertEquals(3, declared.pages());

    SandboxMemory capped = new SandboxMemory(1, 65536, 4);
    assertEquals(1, capped.grow(3));
    SandboxMemory.LimitReached limit =
        assertThrows(SandboxMemory.LimitReached.class, () -> capped.grow(1));
    assertEquals(5, limit.requestedPages);
    assertEquals(4, capped.pages());
  }

  @Test
  void growingPageByPageKeepsTheContentsAndZeroesTheNewPages() {
    SandboxMemory memory = new SandboxMemory(0, 65536, 64);
    for (int page = 0; page < 64; page++) {
      assertEquals(page, memory.grow(1));
      assertEquals(0, memory.readLong(page * PAGE + PAGE - 8));
      memory.writeLong(page * PAGE, page);
    }
    for (int page = 0; page < 64; page++) {
      assertEquals(page, memory.readLong(page * PAGE));
    }
  }

  @Test
  void overlappingCopiesMoveLikeMemmove() {
    SandboxMemory memory = new SandboxMemory(1, 1, 1);
    memory.write(0, new byte[] {1, 2, 3, 4, 5});
    memory.copy(1, 0, 4);
    assertArrayEquals(new byte[] {1, 1, 2, 3, 4}, memory.readBytes(0, 5));
    memory.copy(0, 1, 4);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 4}, memory.readBytes(0, 5));
  }
}
