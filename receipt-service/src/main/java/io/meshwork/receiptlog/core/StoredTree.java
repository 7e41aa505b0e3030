package io.meshwork.receiptlog.core;

import io.meshwork.content.MerkleHash;
import io.meshwork.receiptlog.store.NodeId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RFC 9162 roots, inclusion proofs and consistency proofs computed from stored complete-subtree
 * hashes rather than from every leaf.
 *
 * <p>The RFC defines PATH and SUBPROOF recursively over ranges of leaves. Every range the recursion
 * visits is either a complete subtree (one stored hash) or the right edge of the tree, which splits
 * into at most log2(n) complete subtrees, largest first; its hash is theirs folded from the right.
 * So a proof first lists the ranges it needs, reads all of their subtrees in one batch, then folds.
 * A proof of a tree of n leaves reads O(log n) hashes. The results equal {@code
 * io.meshwork.content.MerkleProofs}', which computes the same definitions from the leaves.
 */
final class StoredTree {
  private StoredTree() {}

  /** The root of the first {@code size} leaves. */
  static byte[] root(long size, TreeNodes nodes) {
    if (size == 0) {
      return MerkleHash.root(List.of());
    }
    return resolve(List.of(new long[] {0, size}), nodes).get(0);
  }

  /** RFC 9162 PATH(index, D[0:size]), leaf side first. */
  static List<byte[]> inclusionProof(long index, long size, TreeNodes nodes) {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException("leaf " + index + " is outside a tree of " + size);
    }
    List<long[]> ranges = new ArrayList<>();
    path(index, 0, size, ranges);
    return resolve(ranges, nodes);
  }

  /** RFC 9162 PROOF(oldSize, D[0:newSize]); empty for equal sizes. */
  static List<byte[]> consistencyProof(long oldSize, long newSize, TreeNodes nodes) {
    if (oldSize < 1 || oldSize > newSize) {
      throw new IllegalArgumentException(
          "a consistency proof needs 0 < old size <= new size, got " + oldSize + " and " + newSize);
    }
    List<long[]> ranges = new ArrayList<>();
    if (oldSize < newSize) {
      subproof(oldSize, 0, newSize, true, ranges);
    }
    return resolve(ranges, nodes);
  }

  private static void path(long m, long from, long to, List<long[]> out) {
    long n = to - from;
    if (n == 1) {
      return;
    }
    long k = Long.highestOneBit(n - 1);
    if (m < k) {
      path(m, from, from + k, out);
      out.add(new long[] {from + k, to});
    } else {
      path(m - k, from + k, to, out);
      out.add(new long[] {from, from + k});
    }
  }

  private static void subproof(long m, long from, long to, boolean wholeOldTree, List<long[]> out) {
    long n = to - from;
    if (m == n) {
      if (!wholeOldTree) {
        out.add(new long[] {from, to});
      }
      return;
    }
    long k = Long.highestOneBit(n - 1);
    if (m <= k) {
      subproof(m, from, from + k, wholeOldTree, out);
      out.add(new long[] {from + k, to});
    } else {
      subproof(m - k, from + k, to, false, out);
      out.add(new long[] {from, from + k});
    }
  }

  /** The complete subtrees that make up {@code [from, to)}, largest (leftmost) first. */
  static List<NodeId> subtrees(long from, long to) {
    List<NodeId> ids = new ArrayList<>();
    long pos = from;
    while (pos < to) {
      long width = Long.highestOneBit(to - pos);
      if (pos % width != 0) {
        // Cannot happen for the ranges PATH and SUBPROOF visit; a different range is a bug.
        throw new IllegalStateException("[" + from + ", " + to + ") is not a tree range");
      }
      int level = Long.numberOfTrailingZeros(width);
      ids.add(new NodeId(level, pos >> level));
      pos += width;
    }
    return ids;
  }

  private static List<byte[]> resolve(List<long[]> ranges, TreeNodes nodes) {
    List<List<NodeId>> parts = new ArrayList<>(ranges.size());
    Set<NodeId> all = new LinkedHashSet<>();
    for (long[] r : ranges) {
      List<NodeId> ids = subtrees(r[0], r[1]);
      parts.add(ids);
      all.addAll(ids);
    }
    Map<NodeId, byte[]> hashes = all.isEmpty() ? Map.of() : nodes.read(all);
    List<byte[]> out = new ArrayList<>(ranges.size());
    for (List<NodeId> ids : parts) {
      byte[] acc = hash(hashes, ids.get(ids.size() - 1));
      for (int i = ids.size() - 2; i >= 0; i--) {
        acc = MerkleHash.node(hash(hashes, ids.get(i)), acc);
      }
      out.add(acc);
    }
    return out;
  }

  private static byte[] hash(Map<NodeId, byte[]> hashes, NodeId id) {
    byte[] h = hashes.get(id);
    if (h == null) {
      throw new MissingNodeException(id);
    }
    return h;
  }

  /** A subtree hash the store should hold but does not: the store is incomplete or damaged. */
  static final class MissingNodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MissingNodeException(NodeId id) {
      super("the log store lacks the tree node at level " + id.level() + ", index " + id.index());
    }
  }
}
