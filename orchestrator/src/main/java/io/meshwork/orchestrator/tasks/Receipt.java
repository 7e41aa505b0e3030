package io.meshwork.orchestrator.tasks;

/**
 * An executor's signed execution receipt, as the orchestrator reads it: the fields its checks
 * compare, and the receipt's canonical log entry, which is what gets anchored.
 *
 * <p>Whoever builds one from the wire has already checked its signature against the log entry (or
 * reported why it does not verify on the {@link TaskResult}); the domain never re-encodes it.
 *
 * @param leaf the canonical encoding with the signature appended, exactly as the receipt log stores
 *     it (docs/RECEIPTS.md)
 */
public record Receipt(
    String taskId,
    String jobId,
    String executorDid,
    String assignmentId,
    String moduleCid,
    String inputCid,
    String outputCid,
    String exportName,
    long fuelUsed,
    byte[] leaf) {}
