package io.meshwork.executor.sandbox;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.DataSegment;

/**
 * A module's linear memory under the sandbox's cap: a {@code memory.grow} past the cap ends the
 * call with {@link FailureKind#MEMORY_LIMIT} instead of returning -1 to the guest.
 *
 * <p>Failing loudly keeps results reproducible: executors may run under different caps, and a guest
 * that saw -1 on one executor and success on another would compute different bytes. A grow past the
 * maximum the module itself declares still returns -1, as the WebAssembly spec says, because that
 * answer is the same everywhere.
 */
@SuppressWarnings("removal") // lock/waitOn/notify are deprecated in Chicory but still abstract.
final class CappedMemory implements Memory {

  /** Thrown out of the guest when it asks for more memory than the sandbox allows. */
  static final class LimitReached extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final long requestedPages;

    LimitReached(long requestedPages) {
      super(null, null, false, false);
      this.requestedPages = requestedPages;
    }
  }

  private final Memory delegate;
  private final long capPages;
  private final long declaredMaxPages;

  CappedMemory(Memory delegate, long capPages, long declaredMaxPages) {
    this.delegate = delegate;
    this.capPages = capPages;
    this.declaredMaxPages = declaredMaxPages;
  }

  @Override
  public int grow(int size) {
    // The operand of memory.grow is unsigned.
    long requested = delegate.pages() + Integer.toUnsignedLong(size);
    if (requested > capPages && requested <= declaredMaxPages) {
      throw new LimitReached(requested);
    }
    return delegate.grow(size);
  }

  @Override
  public int pages() {
    return delegate.pages();
  }

  @Override
  public int initialPages() {
    return delegate.initialPages();
  }

  @Override
  public int maximumPages() {
    return delegate.maximumPages();
  }

  @Override
  public boolean shared() {
    return delegate.shared();
  }

  /**
   * Serves as the monitor for Chicory's default atomic operations. Job memories are never shared
   * (the validator refuses shared ones) and each instance runs on one thread, so one monitor for
   * the whole memory is enough; the delegate's own lock is not supported.
   */
  @Override
  @Deprecated(forRemoval = true)
  public Object lock(int address) {
    return this;
  }

  @Override
  @Deprecated(forRemoval = true)
  public int waitOn(int address, int expected, long timeout) {
    return delegate.waitOn(address, expected, timeout);
  }

  @Override
  @Deprecated(forRemoval = true)
  public int waitOn(int address, long expected, long timeout) {
    return delegate.waitOn(address, expected, timeout);
  }

  @Override
  @Deprecated(forRemoval = true)
  public int notify(int address, int maxThreads) {
    return delegate.notify(address, maxThreads);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    delegate.initialize(instance, dataSegments);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
    delegate.initialize(instance, dataSegments, memoryIndex);
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    delegate.initPassiveSegment(segmentId, dest, offset, size);
  }

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    delegate.write(addr, data, offset, size);
  }

  @Override
  public byte read(int addr) {
    return delegate.read(addr);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    return delegate.readBytes(addr, len);
  }

  @Override
  public void writeI32(int addr, int data) {
    delegate.writeI32(addr, data);
  }

  @Override
  public int readInt(int addr) {
    return delegate.readInt(addr);
  }

  @Override
  public void writeLong(int addr, long data) {
    delegate.writeLong(addr, data);
  }

  @Override
  public long readLong(int addr) {
    return delegate.readLong(addr);
  }

  @Override
  public void writeShort(int addr, short data) {
    delegate.writeShort(addr, data);
  }

  @Override
  public short readShort(int addr) {
    return delegate.readShort(addr);
  }

  @Override
  public long readU16(int addr) {
    return delegate.readU16(addr);
  }

  @Override
  public void writeByte(int addr, byte data) {
    delegate.writeByte(addr, data);
  }

  @Override
  public void writeF32(int addr, float data) {
    delegate.writeF32(addr, data);
  }

  @Override
  public long readF32(int addr) {
    return delegate.readF32(addr);
  }

  @Override
  public float readFloat(int addr) {
    return delegate.readFloat(addr);
  }

  @Override
  public void writeF64(int addr, double data) {
    delegate.writeF64(addr, data);
  }

  @Override
  public double readDouble(int addr) {
    return delegate.readDouble(addr);
  }

  @Override
  public long readF64(int addr) {
    return delegate.readF64(addr);
  }

  @Override
  public void zero() {
    delegate.zero();
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    delegate.fill(value, fromIndex, toIndex);
  }

  @Override
  public void copy(int dest, int src, int size) {
    delegate.copy(dest, src, size);
  }

  @Override
  public void drop(int segment) {
    delegate.drop(segment);
  }
}
