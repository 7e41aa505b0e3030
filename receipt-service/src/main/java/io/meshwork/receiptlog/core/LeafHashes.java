package io.meshwork.receiptlog.core;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The log's leaf hashes in memory, appended by the appender and read by proof builders on other
 * threads.
 *
 * <p>A reader takes a {@link #prefix} view of the first {@code n} hashes. Entries below the size
 * never change and a growing array is replaced rather than modified, so a view taken once stays
 * valid without holding a lock while a proof is computed over it.
 */
final class LeafHashes {
  private byte[][] hashes = new byte[1024][];
  private int size;

  synchronized int size() {
    return size;
  }

  synchronized void addAll(List<byte[]> more) {
    int needed = size + more.size();
    if (needed > hashes.length) {
      byte[][] grown = new byte[Math.max(needed, hashes.length * 2)][];
      System.arraycopy(hashes, 0, grown, 0, size);
      hashes = grown;
    }
    for (byte[] h : more) {
      hashes[size++] = h;
    }
  }

  /** An immutable view of the first {@code n} leaf hashes; {@code n} must not exceed the size. */
  synchronized List<byte[]> prefix(long n) {
    if (n < 0 || n > size) {
      throw new IllegalArgumentException("prefix " + n + " is beyond the " + size + " leaves");
    }
    return new Prefix(hashes, (int) n);
  }

  private static final class Prefix extends AbstractList<byte[]> implements RandomAccess {
    private final byte[][] array;
    private final int length;

    Prefix(byte[][] array, int length) {
      this.array = array;
      this.length = length;
    }

    @Override
    public byte[] get(int index) {
      if (index < 0 || index >= length) {
        throw new IndexOutOfBoundsException(index);
      }
      return array[index];
    }

    @Override
    public int size() {
      return length;
    }
  }
}
