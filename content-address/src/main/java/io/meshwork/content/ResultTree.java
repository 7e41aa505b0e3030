package io.meshwork.content;

import java.util.ArrayList;
import java.util.List;

/**
 * The RFC 9162 Merkle tree over results named by their CIDs, in order: the job's tree over its
 * chunk results, and each delegation level's tree over its children's results (docs/RECEIPTS.md,
 * "Job statements").
 *
 * <p>A leaf is the result's CID in binary, 36 bytes: {@code 0x01 0x55 0x12 0x20} followed by the
 * SHA-256 of the result. Its leaf hash is therefore {@code SHA-256(0x00 || 0x01 0x55 0x12 0x20 ||
 * SHA-256(result))}. Hashing the CID rather than the bytes lets a tree be checked by someone who
 * holds only the CIDs, and a result of any size costs one leaf of 36 bytes.
 */
public final class ResultTree {
  private static final byte[] CID_PREFIX = {0x01, 0x55, 0x12, 0x20};

  private ResultTree() {}

  /**
   * The leaf bytes of a result: its CID in binary.
   *
   * @throws IllegalArgumentException if {@code cid} is not a canonical CIDv1 (raw, sha2-256)
   */
  public static byte[] leaf(String cid) {
    Cid.requireCanonical(cid);
    byte[] digest = Cid.digest(cid);
    byte[] leaf = new byte[CID_PREFIX.length + digest.length];
    System.arraycopy(CID_PREFIX, 0, leaf, 0, CID_PREFIX.length);
    System.arraycopy(digest, 0, leaf, CID_PREFIX.length, digest.length);
    return leaf;
  }

  /** The leaf hash of a result: {@code SHA-256(0x00 || leaf(cid))}. */
  public static byte[] leafHash(String cid) {
    return MerkleHash.leaf(leaf(cid));
  }

  /** The RFC 9162 root over the results {@code cids}, in order (SHA-256 of "" when empty). */
  public static byte[] root(List<String> cids) {
    return MerkleHash.root(leafHashes(cids));
  }

  /** The inclusion path of result {@code index} among {@code cids}, leaf side first. */
  public static List<byte[]> inclusionPath(List<String> cids, int index) {
    return MerkleProofs.inclusionProof(leafHashes(cids), index, cids.size());
  }

  /**
   * Checks that {@code path} leads from result {@code cid}, at {@code index} of {@code size}, to
   * {@code root}.
   *
   * @throws ProofException saying what is wrong
   */
  public static void verifyInclusion(
      String cid, long index, long size, List<byte[]> path, byte[] root) throws ProofException {
    byte[] hash;
    try {
      hash = leafHash(cid);
    } catch (IllegalArgumentException e) {
      throw new ProofException("the result CID is not usable: " + e.getMessage());
    }
    MerkleProofs.verifyInclusion(index, size, hash, path, root);
  }

  private static List<byte[]> leafHashes(List<String> cids) {
    List<byte[]> hashes = new ArrayList<>(cids.size());
    for (String cid : cids) {
      hashes.add(leafHash(cid));
    }
    return hashes;
  }
}
