package io.meshwork.receiptlog.store;

/**
 * One leaf of the receipt log as stored: the receipt's log leaf bytes, where it sits in the tree
 * and the columns the log is queried by.
 *
 * <p>The byte arrays are not copied; callers treat them as immutable.
 *
 * @param index position in the log, from 0
 * @param cid CIDv1 of the receipt
 * @param jobId the job the receipt's task belongs to
 * @param taskId the task that ran
 * @param executorDid the executor that signed the receipt
 * @param leaf the log leaf: the receipt's canonical encoding followed by its signature
 * @param leafHash RFC 9162 leaf hash, {@code SHA-256(0x00 || leaf)}
 * @param anchoredAt when the leaf was appended, Unix epoch milliseconds
 */
public record LeafRecord(
    long index,
    String cid,
    String jobId,
    String taskId,
    String executorDid,
    byte[] leaf,
    byte[] leafHash,
    long anchoredAt) {}
