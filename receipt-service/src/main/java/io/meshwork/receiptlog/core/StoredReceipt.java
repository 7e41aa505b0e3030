package io.meshwork.receiptlog.core;

import io.meshwork.mesh.v1.ExecutionReceipt;

/**
 * A receipt found in the log, with where and when it was anchored.
 *
 * @param cid CIDv1 of the receipt
 * @param index position in the log
 * @param receipt the receipt, decoded from its leaf
 * @param leaf the log leaf bytes (not copied; treat as immutable)
 * @param anchoredAt when it was appended, Unix epoch milliseconds
 */
public record StoredReceipt(
    String cid, long index, ExecutionReceipt receipt, byte[] leaf, long anchoredAt) {}
