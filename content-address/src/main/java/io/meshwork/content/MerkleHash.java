package io.meshwork.content;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The Merkle tree hash of RFC 9162 (section 2.1.1) over SHA-256, as used by the receipt log.
 *
 * <p>Leaves and interior nodes hash with different one-byte prefixes so that no leaf can pose as a
 * node.
 */
public final class MerkleHash {
  /** Bytes in every hash of the tree. */
  public static final int HASH_LENGTH = 32;

  private MerkleHash() {}

  /** Returns the leaf hash of a log entry: SHA-256(0x00 || entry). */
  public static byte[] leaf(byte[] entry) {
    MessageDigest sha = Multihash.newSha256();
    sha.update((byte) 0x00);
    sha.update(entry);
    return sha.digest();
  }

  /** Returns the hash of an interior node: SHA-256(0x01 || left || right). */
  public static byte[] node(byte[] left, byte[] right) {
    MessageDigest sha = Multihash.newSha256();
    sha.update((byte) 0x01);
    sha.update(left);
    sha.update(right);
    return sha.digest();
  }

  /**
   * Returns the Merkle tree hash (MTH) of a tree with the given leaf hashes; the empty tree's hash
   * is SHA-256 of the empty string.
   */
  public static byte[] root(List<byte[]> leafHashes) {
    return root(leafHashes, 0, leafHashes.size());
  }

  /** The MTH of {@code leafHashes[from, to)}. */
  static byte[] root(List<byte[]> leafHashes, int from, int to) {
    if (from == to) {
      return Multihash.newSha256().digest();
    }
    // Fold leaves in like a binary counter: equal-sized complete subtrees merge at once, and
    // the leftover right edge is joined from right to left at the end. This gives the RFC's
    // recursive split at the largest power of two without recursion.
    List<byte[]> stack = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (int i = from; i < to; i++) {
      byte[] hash = leafHashes.get(i);
      if (hash.length != HASH_LENGTH) {
        throw new IllegalArgumentException(
            "leaf hash " + i + " has " + hash.length + " bytes, not 32");
      }
      long size = 1;
      while (!sizes.isEmpty() && sizes.get(sizes.size() - 1) == size) {
        hash = node(stack.remove(stack.size() - 1), hash);
        size += sizes.remove(sizes.size() - 1);
      }
      stack.add(hash);
      sizes.add(size);
    }
    byte[] hash = stack.get(stack.size() - 1);
    for (int i = stack.size() - 2; i >= 0; i--) {
      hash = node(stack.get(i), hash);
    }
    return hash;
  }
}
