package io.meshwork.client;

import io.meshwork.mesh.v1.ExecutionReceipt;

/**
 * An execution receipt proven, offline, to be in the receipt log: signed by its executor, and
 * included in a tree whose checkpoint the log's key signed.
 *
 * @param receipt the receipt, decoded from the bytes the log holds
 * @param cid its content address
 * @param index its position in the log
 * @param treeSize the size of the signed tree it was proven in
 * @param origin the log's name, as its checkpoint states it
 */
public record VerifiedReceipt(
    ExecutionReceipt receipt, String cid, long index, long treeSize, String origin) {}
