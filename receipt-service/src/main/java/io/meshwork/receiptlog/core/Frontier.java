package io.meshwork.receiptlog.core;

import io.meshwork.content.MerkleHash;
import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of the RFC 9162 tree: the roots of its perfect subtrees, largest first, which is
 * all that is needed to append a leaf and compute the root in O(log n).
 *
 * <p>The appender works on a {@link #copy()} and keeps it only once the append is durable, so a
 * failed commit leaves the published tree untouched.
 */
final class Frontier {
  private final List<byte[]> subtreeRoots;
  private long size;

  Frontier() {
    this(new ArrayList<>(), 0);
  }

  private Frontier(List<byte[]> subtreeRoots, long size) {
    this.subtreeRoots = subtreeRoots;
    this.size = size;
  }

  long size() {
    return size;
  }

  void add(byte[] leafHash) {
    // Each trailing one bit of the old size is a perfect subtree of the new leaf's height that
    // now has a right sibling, exactly like a carry in binary addition.
    byte[] carry = leafHash;
    for (long s = size; (s & 1) == 1; s >>>= 1) {
      carry = MerkleHash.node(subtreeRoots.remove(subtreeRoots.size() - 1), carry);
    }
    subtreeRoots.add(carry);
    size++;
  }

  /** The RFC 9162 root: the subtree roots folded from the right; SHA-256("") when empty. */
  byte[] root() {
    if (subtreeRoots.isEmpty()) {
      return MerkleHash.root(List.of());
    }
    byte[] acc = subtreeRoots.get(subtreeRoots.size() - 1);
    for (int i = subtreeRoots.size() - 2; i >= 0; i--) {
      acc = MerkleHash.node(subtreeRoots.get(i), acc);
    }
    return acc;
  }

  Frontier copy() {
    return new Frontier(new ArrayList<>(subtreeRoots), size);
  }
}
