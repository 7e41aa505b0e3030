package io.meshwork.receiptlog.store;

/**
 * The address of a complete subtree of the log's Merkle tree: the node at height {@code level}
 * covering leaves {@code [index * 2^level, (index + 1) * 2^level)}.
 *
 * <p>Level 0 is a leaf hash. A complete subtree never changes once its last leaf is appended, so
 * its hash can be stored once and read by every later proof.
 *
 * @param level the height above the leaves, 0 to 62
 * @param index the position of the subtree among those of its level, from 0
 */
public record NodeId(int level, long index) {
  /** Validates the address. */
  public NodeId {
    if (level < 0 || level > 62 || index < 0 || (index << level) >>> level != index) {
      throw new IllegalArgumentException("no tree node at level " + level + ", index " + index);
    }
  }

  /** The first leaf the subtree covers. */
  public long firstLeaf() {
    return index << level;
  }
}
