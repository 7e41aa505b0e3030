package io.meshwork.receiptlog.store;

/**
 * A checkpoint the log published: the tree size, its RFC 9162 root and the signed note.
 *
 * <p>Every published checkpoint is kept so that the log can later prove any two of them consistent.
 * The root array is not copied; callers treat it as immutable.
 *
 * @param treeSize leaves in the tree
 * @param rootHash RFC 9162 root hash of those leaves
 * @param note the C2SP tlog-checkpoint signed note
 */
public record CheckpointRecord(long treeSize, byte[] rootHash, String note) {}
