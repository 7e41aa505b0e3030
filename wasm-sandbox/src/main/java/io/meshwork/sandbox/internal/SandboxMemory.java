package io.meshwork.sandbox.internal;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import io.meshwork.sandbox.FailureKind;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A job's linear memory: one contiguous {@code byte[]}, under the sandbox's cap.
 *
 * <p><b>Why not Chicory's own memory.</b> Chicory's {@code ByteArrayMemory} keeps memory in 64 KiB
 * pages so that a shared memory can grow while other threads read it; every load and store then
 * masks the address, checks that it stays within one page and looks the page up before it reaches
 * the bytes. A job's memory is never shared (the validator refuses shared memories) and is used by
 * one thread, so one array will do: an access compares the address with the memory's size once and
 * then reads or writes the array. The array is allocated with room to spare when memory grows (half
 * again its size, never past the cap or the declared maximum), so a module that grows page by page
 * costs a few copies rather than one per page; the room beyond the size is zero and unreachable.
 *
 * <p><b>The cap.</b> A {@code memory.grow} past the cap ends the call with {@link
 * FailureKind#MEMORY_LIMIT} instead of returning -1 to the guest: executors may run under different
 * caps, and a guest that saw -1 on one executor and success on another would compute different
 * bytes. A grow past the maximum the module itself declares still returns -1, as the WebAssembly
 * spec says, because that answer is the same everywhere.
 */
@SuppressWarnings("removal") // lock/waitOn/notify are deprecated in Chicory but still abstract.
final class SandboxMemory implements Memory {

  /** Thrown out of the guest when it asks for more memory than the sandbox allows. */
  static final class LimitReached extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final long requestedPages;

    LimitReached(long requestedPages) {
      super(null, null, false, false);
      this.requestedPages = requestedPages;
    }
  }

  private static final VarHandle SHORTS =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final int initialPages;
  private final int maximumPages;
  private final long capPages;
  private byte[] bytes;

  /** The memory's size in bytes; {@code bytes} may be longer. */
  private int size;

  private DataSegment[] dataSegments = new DataSegment[0];

  /**
   * @param initialPages the module's declared minimum (already checked against the cap)
   * @param declaredMaxPages the module's declared maximum, or 65536 when it declares none
   * @param capPages the sandbox's cap
   */
  SandboxMemory(int initialPages, long declaredMaxPages, long capPages) {
    this.initialPages = initialPages;
    this.maximumPages = (int) Math.min(declaredMaxPages, RUNTIME_MAX_PAGES);
    this.capPages = capPages;
    this.size = Math.multiplyExact(initialPages, PAGE_SIZE);
    this.bytes = new byte[size];
  }

  @Override
  public int pages() {
    return size / PAGE_SIZE;
  }

  @Override
  public int grow(int delta) {
    int before = pages();
    // The operand of memory.grow is unsigned.
    long requested = before + Integer.toUnsignedLong(delta);
    if (requested > maximumPages) {
      return -1;
    }
    if (requested > capPages) {
      throw new LimitReached(requested);
    }
    int newSize = (int) requested * PAGE_SIZE;
    if (newSize > bytes.length) {
      long roomy = Math.max(newSize, bytes.length + (long) bytes.length / 2);
      long ceiling = Math.min(capPages, maximumPages) * (long) PAGE_SIZE;
      bytes = Arrays.copyOf(bytes, (int) Math.min(roomy, ceiling));
    }
    size = newSize;
    return before;
  }

  @Override
  public int initialPages() {
    return initialPages;
  }

  @Override
  public int maximumPages() {
    return maximumPages;
  }

  @Override
  public boolean shared() {
    return false;
  }

  /**
   * The monitor for Chicory's default atomic operations. The memory is never shared and each
   * instance runs on one thread, so one monitor for the whole memory is enough.
   */
  @Override
  @Deprecated(forRemoval = true)
  public Object lock(int address) {
    return this;
  }

  @Override
  @Deprecated(forRemoval = true)
  public int waitOn(int address, int expected, long timeout) {
    throw new ChicoryException("wait on an unshared memory");
  }

  @Override
  @Deprecated(forRemoval = true)
  public int waitOn(int address, long expected, long timeout) {
    throw new ChicoryException("wait on an unshared memory");
  }

  @Override
  @Deprecated(forRemoval = true)
  public int notify(int address, int maxThreads) {
    return 0; // nobody can be waiting on an unshared memory
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments) {
    initialize(instance, segments, 0);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
    if (segments == null) {
      return;
    }
    this.dataSegments = segments;
    for (DataSegment segment : segments) {
      if (segment instanceof ActiveDataSegment active) {
        if (active.index() != memoryIndex) {
          continue;
        }
        int offset =
            (int) ConstantEvaluators.computeConstantValue(instance, active.offsetInstructions())[0];
        byte[] data = active.data();
        if (!inBounds(offset, data.length, size)) {
          throw new UninstantiableException("data segment does not fit in memory");
        }
        System.arraycopy(data, 0, bytes, offset, data.length);
      } else if (!(segment instanceof PassiveDataSegment)) {
        throw new ChicoryException("data segment is neither active nor passive: " + segment);
      }
    }
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    write(dest, dataSegments[segmentId].data(), offset, size);
  }

  @Override
  public void drop(int segment) {
    dataSegments[segment] = PassiveDataSegment.EMPTY;
  }

  @Override
  public void write(int addr, byte[] data, int offset, int length) {
    requireInBounds(offset, length, data.length);
    requireInBounds(addr, length, size);
    System.arraycopy(data, offset, bytes, addr, length);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    requireInBounds(addr, len, size);
    return Arrays.copyOfRange(bytes, addr, addr + len);
  }

  @Override
  public void zero() {
    Arrays.fill(bytes, 0, size, (byte) 0);
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    requireInBounds(fromIndex, toIndex - fromIndex, size);
    Arrays.fill(bytes, fromIndex, toIndex, value);
  }

  @Override
  public void copy(int dest, int src, int length) {
    requireInBounds(dest, length, size);
    requireInBounds(src, length, size);
    System.arraycopy(bytes, src, bytes, dest, length); // handles overlap as memmove does
  }

  // The accessors below are what compiled guest code calls for every load and store. Addresses past
  // 2^31 arrive negative; (addr | (size - width - addr)) < 0 catches those and every access that
  // would end past the size in one test.

  @Override
  public byte read(int addr) {
    if ((addr | (size - 1 - addr)) < 0) {
      throw outOfBounds(addr, 1);
    }
    return bytes[addr];
  }

  @Override
  public void writeByte(int addr, byte data) {
    if ((addr | (size - 1 - addr)) < 0) {
      throw outOfBounds(addr, 1);
    }
    bytes[addr] = data;
  }

  @Override
  public short readShort(int addr) {
    if ((addr | (size - 2 - addr)) < 0) {
      throw outOfBounds(addr, 2);
    }
    return (short) SHORTS.get(bytes, addr);
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xFFFFL;
  }

  @Override
  public void writeShort(int addr, short data) {
    if ((addr | (size - 2 - addr)) < 0) {
      throw outOfBounds(addr, 2);
    }
    SHORTS.set(bytes, addr, data);
  }

  @Override
  public int readInt(int addr) {
    if ((addr | (size - 4 - addr)) < 0) {
      throw outOfBounds(addr, 4);
    }
    return (int) INTS.get(bytes, addr);
  }

  @Override
  public void writeI32(int addr, int data) {
    if ((addr | (size - 4 - addr)) < 0) {
      throw outOfBounds(addr, 4);
    }
    INTS.set(bytes, addr, data);
  }

  @Override
  public long readLong(int addr) {
    if ((addr | (size - 8 - addr)) < 0) {
      throw outOfBounds(addr, 8);
    }
    return (long) LONGS.get(bytes, addr);
  }

  @Override
  public void writeLong(int addr, long data) {
    if ((addr | (size - 8 - addr)) < 0) {
      throw outOfBounds(addr, 8);
    }
    LONGS.set(bytes, addr, data);
  }

  @Override
  public float readFloat(int addr) {
    return Float.intBitsToFloat(readInt(addr));
  }

  @Override
  public long readF32(int addr) {
    return readInt(addr);
  }

  @Override
  public void writeF32(int addr, float data) {
    writeI32(addr, Float.floatToRawIntBits(data));
  }

  @Override
  public double readDouble(int addr) {
    return Double.longBitsToDouble(readLong(addr));
  }

  @Override
  public long readF64(int addr) {
    return readLong(addr);
  }

  @Override
  public void writeF64(int addr, double data) {
    writeLong(addr, Double.doubleToRawLongBits(data));
  }

  private static boolean inBounds(int addr, int size, int limit) {
    return addr >= 0 && size >= 0 && (long) addr + size <= limit;
  }

  private void requireInBounds(int addr, int size, int limit) {
    if (!inBounds(addr, size, limit)) {
      throw outOfBounds(addr, size);
    }
  }

  private WasmRuntimeException outOfBounds(int addr, int size) {
    return new WasmRuntimeException(
        "out of bounds memory access: "
            + size
            + " bytes at address "
            + Integer.toUnsignedString(addr)
            + " in a memory of "
            + size
            + " bytes");
  }
}
