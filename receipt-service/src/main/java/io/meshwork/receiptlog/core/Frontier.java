package io.meshwork.receiptlog.core;

import io.meshwork.content.MerkleHash;
import io.meshwork.receiptlog.store.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The right edge of the RFC 9162 tree: the roots of its complete subtrees, largest first, which is
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

  /**
   * The frontier of a stored tree of {@code size} leaves, read in one batch.
   *
   * @throws StoredTree.MissingNodeException if the store lacks one of its subtrees
   */
  static Frontier load(long size, TreeNodes nodes) {
    List<NodeId> ids = size == 0 ? List.of() : StoredTree.subtrees(0, size);
    Map<NodeId, byte[]> hashes = ids.isEmpty() ? Map.of() : nodes.read(ids);
    List<byte[]> roots = new ArrayList<>(ids.size());
    for (NodeId id : ids) {
      byte[] h = hashes.get(id);
      if (h == null) {
        throw new StoredTree.MissingNodeException(id);
      }
      roots.add(h);
    }
    return new Frontier(roots, size);
  }

  long size() {
    return size;
  }

  /** Appends a leaf. */
  void add(byte[] leafHash) {
    add(leafHash, new HashMap<>());
  }

  /**
   * Appends a leaf and records in {@code created} every complete subtree it completes: the leaf
   * itself at level 0 and each new parent above it.
   */
  void add(byte[] leafHash, Map<NodeId, byte[]> created) {
    created.put(new NodeId(0, size), leafHash);
    // Each trailing one bit of the old size is a complete subtree of the new leaf's height that
    // now has a right sibling, exactly like a carry in binary addition.
    byte[] carry = leafHash;
    int level = 0;
    for (long s = size; (s & 1) == 1; s >>>= 1) {
      carry = MerkleHash.node(subtreeRoots.remove(subtreeRoots.size() - 1), carry);
      level++;
      created.put(new NodeId(level, size >> level), carry);
    }
    subtreeRoots.add(carry);
    size++;
  }

  /** The complete subtrees of the frontier by address. */
  Map<NodeId, byte[]> nodes() {
    Map<NodeId, byte[]> out = new HashMap<>();
    if (size == 0) {
      return out;
    }
    List<NodeId> ids = StoredTree.subtrees(0, size);
    for (int i = 0; i < ids.size(); i++) {
      out.put(ids.get(i), subtreeRoots.get(i));
    }
    return out;
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
