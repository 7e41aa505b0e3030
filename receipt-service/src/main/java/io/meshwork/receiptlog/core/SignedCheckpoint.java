package io.meshwork.receiptlog.core;

/**
 * A checkpoint the log signed: what a client pins to check proofs against.
 *
 * @param origin the log's origin line, also the signing key's name
 * @param treeSize leaves in the tree
 * @param rootHash RFC 9162 root hash (not copied; treat as immutable)
 * @param note the C2SP tlog-checkpoint body signed as a C2SP signed note
 */
public record SignedCheckpoint(String origin, long treeSize, byte[] rootHash, String note) {}
